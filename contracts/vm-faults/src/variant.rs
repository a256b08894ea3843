//! The variants of `vm-faults`, chosen by the input (one `u64` LE; empty input = 0): the one
//! list the contract dispatches on and the host tests include (by path) to name them.

/// Loops forever.
pub const ENDLESS_LOOP: u64 = 0;
/// Recurses without bound.
pub const RECURSION: u64 = 1;
/// Stores at `0x6_0000_0000`.
pub const WRITE_UNMAPPED: u64 = 2;
/// Stores over the code of a function.
pub const WRITE_PROGRAM: u64 = 3;
/// Loads just past the mapped heap.
pub const READ_PAST_HEAP: u64 = 4;
/// `tako_sdk::abort()`.
pub const ABORT: u64 = 5;
/// `tos_memcpy` with overlapping ranges.
pub const MEMCPY_OVERLAP: u64 = 6;
/// The memory and allocator syscalls with known arguments.
pub const SYSCALL_TOUR: u64 = 7;
/// Stores 4 KiB above a local, in the ungapped stack.
pub const STACK_GAP: u64 = 8;
/// Stores at `0x4_0000_0000`, where TOS maps nothing.
pub const WRITE_INPUT_REGION: u64 = 9;
/// `get_heap_region()` as return data.
pub const HEAP_REGION: u64 = 10;
/// `storage_write` with a key pointer nothing maps.
pub const STORAGE_BAD_POINTER: u64 = 11;
/// `storage_read` into a buffer past the heap's end.
pub const STORAGE_PAST_HEAP: u64 = 12;
/// Keys, values and buffers past the limits.
pub const STORAGE_LIMITS: u64 = 13;
/// Too many topics, too much event data.
pub const EVENT_LIMITS: u64 = 14;
/// `set_return_data` of 1,025 bytes.
pub const RETURN_DATA_TOO_LONG: u64 = 15;

/// Every variant, in order.
pub const ALL: [u64; 16] = [
    ENDLESS_LOOP,
    RECURSION,
    WRITE_UNMAPPED,
    WRITE_PROGRAM,
    READ_PAST_HEAP,
    ABORT,
    MEMCPY_OVERLAP,
    SYSCALL_TOUR,
    STACK_GAP,
    WRITE_INPUT_REGION,
    HEAP_REGION,
    STORAGE_BAD_POINTER,
    STORAGE_PAST_HEAP,
    STORAGE_LIMITS,
    EVENT_LIMITS,
    RETURN_DATA_TOO_LONG,
];

/// Not a variant: the contract returns `INVALID_INPUT`.
pub const NONE: u64 = 99;
