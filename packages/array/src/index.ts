export {
  type DType,
  type DTypeMap,
  type TypedArray,
  type Block,
  TYPED_ARRAYS,
  itemSize,
  isDType,
  dtypeOf,
  allocate,
  sizeOf,
  isBlock,
  DenseArray,
} from './dense.js';
