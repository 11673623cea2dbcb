//! ONNX `TensorProto`s (initializers, `Constant` values, test data) as checked f32 or i64 arrays.
//! Every length is checked against the data actually present before anything is allocated.

use crate::bail;
use crate::error::Result;
use crate::onnx::proto::{tensor_proto::DataType, TensorProto};

/// A constant tensor: its shape and values, floats or integers.
#[derive(Clone, Debug, PartialEq)]
pub struct Const {
    pub dims: Vec<usize>,
    pub data: ConstData,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ConstData {
    F32(Vec<f32>),
    I64(Vec<i64>),
}

impl Const {
    /// The values as f32 (integers converted), e.g. for weights.
    pub fn floats(&self) -> Vec<f32> {
        match &self.data {
            ConstData::F32(v) => v.clone(),
            ConstData::I64(v) => v.iter().map(|&x| x as f32).collect(),
        }
    }
    /// The values as i64, or None for floating-point tensors.
    pub fn ints(&self) -> Option<&[i64]> {
        match &self.data {
            ConstData::I64(v) => Some(v),
            ConstData::F32(_) => None,
        }
    }
    pub fn len(&self) -> usize {
        match &self.data {
            ConstData::F32(v) => v.len(),
            ConstData::I64(v) => v.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The name of an ONNX data type, for messages.
pub fn type_name(data_type: i32) -> String {
    DataType::try_from(data_type).map_or_else(|_| format!("type {data_type}"), |t| t.as_str_name().to_string())
}

/// Decodes a tensor: FLOAT, FLOAT16, BFLOAT16 and DOUBLE become f32; INT64, INT32, INT8, UINT8 and
/// BOOL become i64. Data may be in `raw_data` (little-endian) or in the typed fields.
pub fn decode(t: &TensorProto) -> Result<Const> {
    let name = t.name.as_deref().unwrap_or("");
    let what = || format!("tensor '{name}'");
    if t.data_location == Some(super::proto::tensor_proto::DataLocation::External as i32) || !t.external_data.is_empty()
    {
        let location =
            t.external_data.iter().find(|e| e.key.as_deref() == Some("location")).and_then(|e| e.value.clone());
        bail!(
            "{} keeps its data in an external file{}, which convlens cannot read: save the model with its \
             weights inside the .onnx file (onnx.save_model(model, path, save_as_external_data=False))",
            what(),
            location.map(|l| format!(" ('{l}')")).unwrap_or_default()
        );
    }
    if t.segment.is_some() {
        bail!("{} is a segment of a larger tensor, which convlens does not read", what());
    }
    let mut dims = Vec::with_capacity(t.dims.len().min(64));
    let mut n: usize = 1;
    for &d in &t.dims {
        let Ok(d) = usize::try_from(d) else { bail!("{} has a negative dimension in {:?}", what(), t.dims) };
        dims.push(d);
        n = n.checked_mul(d).ok_or_else(|| crate::error::Error(format!("{} has too many elements", what())))?;
    }
    let data_type = t.data_type.unwrap_or(0);
    let raw = t.raw_data.as_deref();
    let check = |len: usize, from: &str| -> Result<()> {
        if len != n {
            bail!("{} has shape {dims:?} ({n} values) but {len} values in {from}", what());
        }
        Ok(())
    };
    let raw_chunks = |size: usize| -> Result<std::slice::ChunksExact<'_, u8>> {
        let bytes = raw.unwrap_or(&[]);
        if Some(bytes.len()) != n.checked_mul(size) {
            bail!("{} has shape {dims:?} ({n} values of {size} bytes) but {} bytes of raw data", what(), bytes.len());
        }
        Ok(bytes.chunks_exact(size))
    };
    let data = match DataType::try_from(data_type) {
        Ok(DataType::Float) => ConstData::F32(if raw.is_some() {
            raw_chunks(4)?.map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
        } else {
            check(t.float_data.len(), "float_data")?;
            t.float_data.clone()
        }),
        Ok(DataType::Double) => ConstData::F32(if raw.is_some() {
            raw_chunks(8)?.map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8])) as f32).collect()
        } else {
            check(t.double_data.len(), "double_data")?;
            t.double_data.iter().map(|&v| v as f32).collect()
        }),
        Ok(t16 @ (DataType::Float16 | DataType::Bfloat16)) => {
            let conv = |bits: u16| {
                if t16 == DataType::Float16 {
                    half::f16::from_bits(bits).to_f32()
                } else {
                    half::bf16::from_bits(bits).to_f32()
                }
            };
            ConstData::F32(if raw.is_some() {
                raw_chunks(2)?.map(|b| conv(u16::from_le_bytes([b[0], b[1]]))).collect()
            } else {
                check(t.int32_data.len(), "int32_data")?;
                t.int32_data.iter().map(|&v| conv(v as u16)).collect()
            })
        }
        Ok(DataType::Int64) => ConstData::I64(if raw.is_some() {
            raw_chunks(8)?.map(|b| i64::from_le_bytes(b.try_into().unwrap_or([0; 8]))).collect()
        } else {
            check(t.int64_data.len(), "int64_data")?;
            t.int64_data.clone()
        }),
        Ok(DataType::Int32) => ConstData::I64(if raw.is_some() {
            raw_chunks(4)?.map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64).collect()
        } else {
            check(t.int32_data.len(), "int32_data")?;
            t.int32_data.iter().map(|&v| v as i64).collect()
        }),
        Ok(t8 @ (DataType::Int8 | DataType::Uint8 | DataType::Bool)) => ConstData::I64(if raw.is_some() {
            raw_chunks(1)?.map(|b| if t8 == DataType::Int8 { b[0] as i8 as i64 } else { b[0] as i64 }).collect()
        } else {
            check(t.int32_data.len(), "int32_data")?;
            t.int32_data.iter().map(|&v| v as i64).collect()
        }),
        _ => bail!(
            "{} has data type {}; convlens reads FLOAT, FLOAT16, BFLOAT16 and DOUBLE weights (and integer shapes)",
            what(),
            type_name(data_type)
        ),
    };
    Ok(Const { dims, data })
}
