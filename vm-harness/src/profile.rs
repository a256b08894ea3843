//! `tako-vm profile`: compute units per function, from the interpreter's instruction trace
//! attributed to the function symbols of the `.so`.

use std::collections::{BTreeMap, HashMap};

use solana_sbpf::ebpf;

use crate::config::Config;
use crate::engine::{self, CallSetup, TracedRun};
use crate::error::VmError;
use crate::outcome::Outcome;
use crate::symbols::Symbols;

/// CU spent in one function (its own instructions and the syscalls it called; callees are
/// counted separately).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionCost {
    /// Demangled symbol name, or `fn_0x…` for a call target without a symbol.
    pub name: String,
    /// Address of the function in the ELF (`.text` offset as in the symbol table).
    pub address: u64,
    /// Instructions executed in this function (1 CU each).
    pub instructions: u64,
    /// CU of the syscalls this function called.
    pub syscall_cu: u64,
    /// `instructions + syscall_cu` (self CU).
    pub cu: u64,
    /// CU spent while this function was on the call stack (itself and its callees,
    /// recursion counted once).
    pub inclusive_cu: u64,
    /// Times the function was entered by a call.
    pub calls: u64,
}

/// How often one instruction executed: where the CU of a hot function go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstructionCount {
    /// Address of the instruction, as [`FunctionCost::address`] counts them; divided by 8,
    /// the instruction index `llvm-objdump -d` prints.
    pub address: u64,
    /// The function it belongs to, as named in [`Profile::functions`].
    pub function: String,
    /// Bytes from the start of that function.
    pub offset: u64,
    /// Times it executed (1 CU each; a syscall's own charge is its function's `syscall_cu`).
    pub count: u64,
    /// The engine's disassembly of it (empty if the engine could not analyse the program).
    pub text: String,
}

/// A profiled run: its outcome and the CU per function, most expensive first.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The run (always interpreted, whatever `config.jit` says).
    pub outcome: Outcome,
    /// One entry per function that executed, sorted by `cu` (descending), then name.
    pub functions: Vec<FunctionCost>,
    /// Every instruction that executed, most executed first (then by address).
    pub instructions: Vec<InstructionCount>,
    /// Whether the names came from the file's symbol tables (`false`: no function symbols,
    /// functions are named by address).
    pub symbolized: bool,
}

impl Profile {
    /// Sum of `cu` over all functions; equals `outcome.cu_consumed` unless the run ran out
    /// of budget in the middle of a syscall.
    pub fn attributed_cu(&self) -> u64 {
        self.functions.iter().map(|f| f.cu).sum()
    }
}

/// Runs `so` in the interpreter of its engine ([`Config::engine_for`], whatever
/// `config.jit` says) with an instruction trace and attributes its CU: one call on an empty
/// chain, as the contract [`crate::chain::contract_address`] of the program, as
/// [`crate::run`] makes it.
pub fn profile(so: &[u8], input: &[u8], config: &Config) -> Result<Profile, VmError> {
    let env = crate::CallEnv {
        contract: crate::chain::contract_address(so),
        ..Default::default()
    };
    profile_call(so, input, &env, &crate::ChainState::default(), config)
}

/// [`profile`] of one call by `env` over `state`, as [`crate::call`] makes it; the state
/// after the call is the outcome's ([`crate::Outcome::state`]).
pub fn profile_call(
    so: &[u8],
    input: &[u8],
    env: &crate::CallEnv,
    state: &crate::ChainState,
    config: &Config,
) -> Result<Profile, VmError> {
    let config = Config {
        jit: false,
        ..config.clone()
    };
    config.validate()?;
    crate::call::check_input(input)?;
    let setup = CallSetup::new(so, input, env, state);
    let mut run = match config.engine_for(so)? {
        crate::Engine::Sbpf => {
            engine::sbpf::trace(&engine::sbpf::load(so, false)?, &setup, &config)?
        }
        crate::Engine::Tbpf => engine::tbpf::trace(&engine::tbpf::load(so)?, &setup, &config)?,
    };
    let symbols = Symbols::read(so).map_err(VmError::MalformedElf)?;
    // When the meter refuses an instruction, the interpreter has already traced it: drop it,
    // so that the attributed CU add up to the CU consumed.
    let charged: u64 = run.execution.syscall_charges.iter().sum();
    if run.trace.len() as u64 + charged > run.execution.outcome.cu_consumed {
        run.trace.pop();
    }
    let starts = function_starts(&run, &symbols);
    let functions = attribute(&run, symbols.text_start, &starts);
    let instructions = count_instructions(&run, symbols.text_start, &starts);
    Ok(Profile {
        outcome: run.execution.outcome,
        functions,
        instructions,
        symbolized: !symbols.by_address.is_empty(),
    })
}

/// The address of an instruction (`pc` counts instructions from the start of `.text`).
fn address(text_start: u64, pc: u64) -> u64 {
    text_start + pc * ebpf::INSN_SIZE as u64
}

fn is_syscall(run: &TracedRun, pc: u64) -> bool {
    run.syscall_at.get(pc as usize).copied().unwrap_or(false)
}

fn opcode(run: &TracedRun, pc: u64) -> u8 {
    let at = pc as usize * ebpf::INSN_SIZE;
    run.text.get(at).copied().unwrap_or(0)
}

/// Function starts and names: the symbols; without symbols, the entry point and every call
/// target the run took.
fn function_starts(run: &TracedRun, symbols: &Symbols) -> BTreeMap<u64, String> {
    let mut starts: BTreeMap<u64, String> = symbols
        .by_address
        .iter()
        .map(|(addr, (name, _))| (*addr, name.clone()))
        .collect();
    if starts.is_empty() {
        starts.insert(address(symbols.text_start, run.entry), "entrypoint".into());
        for pair in run.trace.windows(2) {
            let op = opcode(run, pair[0]);
            if (op == ebpf::CALL_IMM || op == ebpf::CALL_REG) && !is_syscall(run, pair[0]) {
                let target = address(symbols.text_start, pair[1]);
                starts
                    .entry(target)
                    .or_insert_with(|| format!("fn_{target:#x}"));
            }
        }
    }
    starts
}

/// The function holding `addr`: its start and name.
fn function_of(starts: &BTreeMap<u64, String>, addr: u64) -> (u64, String) {
    match starts.range(..=addr).next_back() {
        Some((start, name)) => (*start, name.clone()),
        None => (addr, format!("<before first function> {addr:#x}")),
    }
}

/// Executions per instruction, most executed first.
fn count_instructions(
    run: &TracedRun,
    text_start: u64,
    starts: &BTreeMap<u64, String>,
) -> Vec<InstructionCount> {
    let mut counts: HashMap<u64, u64> = HashMap::new();
    for &pc in &run.trace {
        *counts.entry(pc).or_default() += 1;
    }
    let mut out: Vec<InstructionCount> = counts
        .into_iter()
        .map(|(pc, count)| {
            let at = address(text_start, pc);
            let (start, function) = function_of(starts, at);
            InstructionCount {
                address: at,
                function,
                offset: at - start,
                count,
                text: run.disassembly.get(&pc).cloned().unwrap_or_default(),
            }
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.address.cmp(&b.address)));
    out
}

fn attribute(
    run: &TracedRun,
    text_start: u64,
    starts: &BTreeMap<u64, String>,
) -> Vec<FunctionCost> {
    let (trace, syscall_charges) = (&run.trace, &run.execution.syscall_charges);
    let mut costs: HashMap<u64, FunctionCost> = HashMap::new();
    let mut charges = syscall_charges.iter();
    // The call stack (function starts) and, per function, how often it is on the stack and
    // the CU total when its outermost activation began: inclusive CU are counted once even
    // under recursion.
    let mut stack: Vec<u64> = Vec::new();
    let mut active: HashMap<u64, (u32, u64)> = HashMap::new();
    let mut total = 0u64;
    let mut previous_was_call = true; // the entry point counts as one call
    for &pc in trace.iter() {
        let addr = address(text_start, pc);
        let (start, name) = function_of(starts, addr);
        if previous_was_call {
            stack.push(start);
            let entry = active.entry(start).or_insert((0, total));
            if entry.0 == 0 {
                entry.1 = total;
            }
            entry.0 += 1;
        }
        let cost = costs.entry(start).or_insert_with(|| FunctionCost {
            name,
            address: start,
            instructions: 0,
            syscall_cu: 0,
            cu: 0,
            inclusive_cu: 0,
            calls: 0,
        });
        cost.instructions += 1;
        total += 1;
        if previous_was_call && addr == start {
            cost.calls += 1;
        }
        let syscall = is_syscall(run, pc);
        if syscall {
            let charge = charges.next().copied().unwrap_or(0);
            cost.syscall_cu += charge;
            total += charge;
        }
        let op = opcode(run, pc);
        previous_was_call = !syscall && (op == ebpf::CALL_IMM || op == ebpf::CALL_REG);
        if op == ebpf::EXIT && stack.len() > 1 {
            leave(&mut stack, &mut active, &mut costs, total);
        }
    }
    // A run that ended (or faulted) inside functions: close their activations.
    while !stack.is_empty() {
        leave(&mut stack, &mut active, &mut costs, total);
    }
    let mut functions: Vec<FunctionCost> = costs
        .into_values()
        .map(|mut f| {
            f.cu = f.instructions + f.syscall_cu;
            f
        })
        .collect();
    functions.sort_by(|a, b| b.cu.cmp(&a.cu).then_with(|| a.name.cmp(&b.name)));
    functions
}

/// Pops the innermost function; when that was its outermost activation, adds the CU spent
/// since it began to its inclusive CU.
fn leave(
    stack: &mut Vec<u64>,
    active: &mut HashMap<u64, (u32, u64)>,
    costs: &mut HashMap<u64, FunctionCost>,
    total: u64,
) {
    let Some(start) = stack.pop() else { return };
    if let Some(entry) = active.get_mut(&start) {
        entry.0 -= 1;
        if entry.0 == 0 {
            if let Some(cost) = costs.get_mut(&start) {
                cost.inclusive_cu += total - entry.1;
            }
        }
    }
}

/// `part` as a percentage of `total` (at least 1), for the tables' share column.
fn share(part: u64, total: u64) -> f64 {
    part as f64 * 100.0 / total as f64
}

/// Renders a profile as the CLI's table.
pub fn render(profile: &Profile) -> String {
    let total = profile.outcome.cu_consumed.max(1);
    let mut out = String::new();
    out.push_str(&format!(
        "{:>9} {:>6} {:>9} {:>9} {:>9} {:>6}  function\n",
        "self CU", "%", "incl CU", "insns", "syscall", "calls"
    ));
    for f in &profile.functions {
        out.push_str(&format!(
            "{:>9} {:>5.1}% {:>9} {:>9} {:>9} {:>6}  {} @ {:#x}\n",
            f.cu,
            share(f.cu, total),
            f.inclusive_cu,
            f.instructions,
            f.syscall_cu,
            f.calls,
            f.name,
            f.address
        ));
    }
    out.push_str(&format!(
        "{:>9} total attributed ({} CU consumed){}\n",
        profile.attributed_cu(),
        profile.outcome.cu_consumed,
        if profile.symbolized {
            ""
        } else {
            "; no function symbols in the file: functions named by address"
        }
    ));
    out
}

/// Renders the `n` most executed instructions as the CLI's second table.
pub fn render_hot_instructions(profile: &Profile, n: usize) -> String {
    let total = profile.outcome.cu_consumed.max(1);
    let mut out = format!(
        "{:>9} {:>6} {:>10}  {:<28}  function + offset\n",
        "count", "%", "address", "instruction"
    );
    for i in profile.instructions.iter().take(n) {
        out.push_str(&format!(
            "{:>9} {:>5.1}% {:>#10x}  {:<28}  {} + {:#x}\n",
            i.count,
            share(i.count, total),
            i.address,
            i.text,
            i.function,
            i.offset
        ));
    }
    let shown = n.min(profile.instructions.len());
    out.push_str(&format!(
        "{:>9} of {} distinct instructions executed shown\n",
        shown,
        profile.instructions.len()
    ));
    out
}
