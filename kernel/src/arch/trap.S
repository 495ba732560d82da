/*
 * Trap entry stubs (AT&T syntax). One 16-byte stub per vector pushes a zero
 * error code where the CPU pushes none, then the vector number, so that every
 * trap reaches `trap_dispatch` with the same `TrapFrame` layout. The FPU/SSE
 * state is saved around the Rust handler, which may use SSE.
 */
.section .text.trap, "ax"
.balign 16
.global trap_stubs_start
trap_stubs_start:
.set vector, 0
.rept 256
    .balign 16
    .if (vector == 8) || ((vector >= 10) && (vector <= 14)) || (vector == 17) || (vector == 21) || (vector == 29) || (vector == 30)
    .else
    pushq $0
    .endif
    pushq $vector
    jmp trap_common
    .set vector, vector + 1
.endr

/*
 * Every kernel entry ends up here with the CPU frame, an error code and a
 * vector pushed. The layout is fixed: the CPU aligns the stack to 16 bytes
 * before pushing, 22 quadwords keep it aligned, so the 512-byte FXSAVE area
 * below the registers is aligned too. `trap_dispatch` gets the TrapFrame.
 */
trap_common:
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $512, %rsp
    fxsave64 (%rsp)
    leaq 512(%rsp), %rdi
    cld
    call trap_dispatch

/* Leaves the kernel through the frame at %rsp (FXSAVE area first). */
.global trap_exit
trap_exit:
    fxrstor64 (%rsp)
    addq $512, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
    addq $16, %rsp
    iretq

/*
 * SYSCALL from user mode: switch to the thread's kernel stack and build the
 * same frame an interrupt from ring 3 would, with vector 256, so system
 * calls, signals and fork see one layout. The return is through trap_exit
 * (iretq), which restores every register a signal handler may have changed.
 * Interrupts are off here (SFMASK clears IF).
 */
.global syscall_entry
syscall_entry:
    movq %rsp, basalt_user_rsp_scratch(%rip)
    movq basalt_kernel_stack_top(%rip), %rsp
    pushq $0x1b                                /* user data selector */
    pushq basalt_user_rsp_scratch(%rip)
    pushq %r11                                 /* user rflags */
    pushq $0x23                                /* user code selector */
    pushq %rcx                                 /* user rip */
    pushq $0
    pushq $256
    jmp trap_common

/*
 * context_switch(from: *mut u64, to: u64): saves the callee-saved registers
 * on this stack, stores the stack pointer in *from, and resumes the thread
 * whose stack pointer is `to`. Caller-saved state, SSE registers included,
 * is dead across the call by the C ABI.
 */
.global context_switch
context_switch:
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

/* A new thread's first switch returns here, onto its prepared entry frame. */
.global thread_start
thread_start:
    jmp trap_exit
