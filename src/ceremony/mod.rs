pub mod keycheck;
