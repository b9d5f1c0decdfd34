//! The HTTP/1.1 front we own: the listener, one thread per connection, limits, and the request and
//! response types handlers use.

pub mod body;
pub mod proxy;
pub mod request;
pub mod response;
pub mod server;
pub mod thread;

pub use request::Request;
pub use response::Response;
