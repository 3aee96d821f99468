//! Who is acting, as the rules see them: an account's id and role, nothing about HTTP. The web
//! layer builds one from the signed-in user (`From<&SessionUser>`); the demo loader and the
//! command line build one from an account row.

use entity::user::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub id: i64,
    pub role: Role,
}

impl Actor {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

impl From<&entity::user::Model> for Actor {
    fn from(user: &entity::user::Model) -> Self {
        Actor {
            id: user.id,
            role: user.role,
        }
    }
}
