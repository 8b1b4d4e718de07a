// mtl_fiber_switch(void** save_sp, void* next_sp): saves the callee-saved registers
// of the running fiber on its stack, stores its stack pointer in *save_sp and resumes
// the fiber whose stack pointer is next_sp. A user-space switch costs a few
// nanoseconds, where ucontext's swapcontext makes a signal-mask syscall. The floating-
// point control state (x86 MXCSR and x87 control word, aarch64 FPCR) is not switched:
// Metal code cannot change rounding modes or exception masks, so every fiber of a worker
// runs with the worker's, and restoring it (fldcw, ldmxcsr, msr fpcr are microcoded or
// serialising) was three quarters of a switch.
// mtl_fiber_start is the first "return address" of a new fiber: it calls
// entry(arg) with entry and arg left in callee-saved registers by mtl_fiber_prepare.
// One source for ELF (Linux) and Mach-O (macOS): Mach-O prefixes C symbols with an
// underscore and has no .type/.size directives or GNU-stack note.
#if defined(__APPLE__)
#define SYM(name) _##name
#define TYPE(name)
#define END(name)
#else
#define SYM(name) name
#if defined(__x86_64__)
#define TYPE(name) .type name,@function
#else
#define TYPE(name) .type name,%function
#endif
#define END(name) .size name,.-name
#endif
#if defined(__x86_64__)
    .text
    .globl SYM(mtl_fiber_switch)
    TYPE(mtl_fiber_switch)
    .p2align 4
SYM(mtl_fiber_switch):
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
END(mtl_fiber_switch)

    .globl SYM(mtl_fiber_start)
    TYPE(mtl_fiber_start)
    .p2align 4
SYM(mtl_fiber_start):
    movq %r12, %rdi
    callq *%r13
    ud2
END(mtl_fiber_start)
#elif defined(__aarch64__)
    .text
    .globl SYM(mtl_fiber_switch)
    TYPE(mtl_fiber_switch)
    .p2align 4
SYM(mtl_fiber_switch):
    sub sp, sp, #160
    stp x19, x20, [sp, #0]
    stp x21, x22, [sp, #16]
    stp x23, x24, [sp, #32]
    stp x25, x26, [sp, #48]
    stp x27, x28, [sp, #64]
    stp x29, x30, [sp, #80]
    stp d8, d9, [sp, #96]
    stp d10, d11, [sp, #112]
    stp d12, d13, [sp, #128]
    stp d14, d15, [sp, #144]
    mov x9, sp
    str x9, [x0]
    mov sp, x1
    ldp x19, x20, [sp, #0]
    ldp x21, x22, [sp, #16]
    ldp x23, x24, [sp, #32]
    ldp x25, x26, [sp, #48]
    ldp x27, x28, [sp, #64]
    ldp x29, x30, [sp, #80]
    ldp d8, d9, [sp, #96]
    ldp d10, d11, [sp, #112]
    ldp d12, d13, [sp, #128]
    ldp d14, d15, [sp, #144]
    add sp, sp, #160
    ret
END(mtl_fiber_switch)

    .globl SYM(mtl_fiber_start)
    TYPE(mtl_fiber_start)
    .p2align 4
SYM(mtl_fiber_start):
    mov x0, x19
    blr x20
    brk #0
END(mtl_fiber_start)
#else
#error "the CPU executor's fibers support x86_64 and aarch64"
#endif
#if !defined(__APPLE__)
    .section .note.GNU-stack,"",%progbits
#endif
