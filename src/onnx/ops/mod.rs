//! The operator registry: every ONNX operator convlens imports, with its converter, in one table.
//! The table also gives [`OPERATORS`], the list that error messages and docs/onnx.md show (a test
//! checks the document against it).
//!
//! Adding an operator: a converter `fn(&mut Importer, node index, &NodeProto) -> Handled` in its
//! family's file (or a new file here), and one line in the table below.

mod activation;
mod constant;
mod conv;
mod linear;
mod merge;
mod norm;
mod pool;
mod shape;

use crate::onnx::importer::Convert;

/// Declares [`OPERATORS`] and [`converter`] from one table of `op_type => converter`.
macro_rules! registry {
    ($($op:literal => $convert:path,)*) => {
        /// The ONNX operators (default domain) convlens imports.
        pub const OPERATORS: &[&str] = &[$($op),*];

        /// The converter of operator `op_type`, or None when it is not supported.
        pub(crate) fn converter(op_type: &str) -> Option<Convert> {
            match op_type {
                $($op => Some($convert),)*
                _ => None,
            }
        }
    };
}

registry! {
    "Conv" => conv::conv,
    "BatchNormalization" => norm::batch_normalization,
    "Relu" => activation::relu,
    "Clip" => activation::clip,
    "Sigmoid" => activation::sigmoid,
    "HardSwish" => activation::hard_swish,
    "MaxPool" => pool::max_pool,
    "AveragePool" => pool::average_pool,
    "GlobalAveragePool" => pool::global_average_pool,
    "Gemm" => linear::gemm,
    "MatMul" => linear::mat_mul,
    "Add" => merge::add,
    "Flatten" => shape::flatten,
    "Reshape" => shape::reshape,
    "Concat" => merge::concat,
    "Softmax" => activation::softmax,
    "Dropout" => constant::dropout,
    "Identity" => constant::identity,
    "Constant" => constant::constant,
}
