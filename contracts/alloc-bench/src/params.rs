//! The `FirstFitAllocator` row's shape, `FirstFitAllocator<FIRST_FIT_BLOCKS,
//! FIRST_FIT_BLOCK_SIZE>`: the one place the contract declares it from and the VM's tests
//! include (by path) to check what the heap decoder finds. 8-byte blocks measured better
//! than 16-byte ones on every figure of the CU report (allocator/BENCHMARKS.md).

/// Blocks in the block area at most.
pub const FIRST_FIT_BLOCKS: usize = 4096;
/// Bytes per block.
pub const FIRST_FIT_BLOCK_SIZE: usize = 8;
