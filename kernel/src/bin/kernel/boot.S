/*
 * Entry points of the Basalt kernel image (AT&T syntax).
 *
 * Two boot protocols start the same ELF in 32-bit protected mode with paging
 * off: Multiboot2 (GRUB2's `multiboot2`, ebx -> boot information) and Xen PVH
 * (QEMU `-kernel`, Xen, Firecracker, cloud-hypervisor; ebx -> hvm_start_info).
 * There is deliberately no Multiboot1 header: QEMU would prefer it over PVH.
 *
 * The 32-bit code maps the first 4 GiB at 0, at the start of the direct map
 * (0xffff800000000000) and, for the kernel's own image, at -2 GiB, enters long mode with SSE enabled (the precompiled `core`
 * uses SSE), and calls `kernel_entry(protocol, info, entry_tsc)` on the
 * kernel's boot stack in the higher half.
 */

.set MB2_MAGIC, 0xE85250D6
.set PROTOCOL_PVH, 1
.set PROTOCOL_MULTIBOOT2, 2

/* ---- Multiboot2 header: must lie in the first 32 KiB, 8-byte aligned ---- */
.section .multiboot2_header, "a"
.balign 8
mb2_header_start:
    .long MB2_MAGIC
    .long 0                                    /* architecture: i386 protected mode */
    .long mb2_header_end - mb2_header_start
    .long 0x100000000 - (MB2_MAGIC + (mb2_header_end - mb2_header_start))
    .balign 8                                  /* entry address tag */
    .short 3, 0
    .long 12
    .long mb2_entry
    .balign 8                                  /* end tag */
    .short 0, 0
    .long 8
mb2_header_end:

/* ---- Xen PVH note: XEN_ELFNOTE_PHYS32_ENTRY (type 18), 8-byte descriptor ---- */
.section .note.Xen, "a", @note
.balign 4
    .long 4                                    /* name size, "Xen\0" */
    .long 8                                    /* descriptor size */
    .long 18                                   /* XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .balign 4
    .quad pvh_entry
    .balign 4

/* ---- 32-bit entry code, linked at its physical address ---- */
.section .boot.text, "ax"
.code32
.global pvh_entry
pvh_entry:
    movl $PROTOCOL_PVH, boot_protocol
    jmp common_entry32

.global mb2_entry
mb2_entry:
    movl $PROTOCOL_MULTIBOOT2, boot_protocol

common_entry32:
    cli
    cld
    movl %ebx, boot_info_phys
    rdtsc
    movl %eax, boot_entry_tsc
    movl %edx, boot_entry_tsc + 4
    movl $boot_stack32_top, %esp

    /* Zero the boot page tables: not every loader clears .bss. */
    movl $boot_page_tables, %edi
    movl $(7 * 4096 / 4), %ecx
    xorl %eax, %eax
    rep stosl

    /* PML4[0] -> identity PDPT (for this code), PML4[256] -> the same PDPT
     * as the start of the direct map, PML4[511] -> higher-half PDPT. */
    movl $(boot_page_tables + 0x1000 + 3), boot_page_tables
    movl $(boot_page_tables + 0x1000 + 3), boot_page_tables + 256 * 8
    movl $(boot_page_tables + 0x2000 + 3), boot_page_tables + 511 * 8
    /* Identity PDPT[0..4] -> the four page directories (4 GiB). */
    movl $(boot_page_tables + 0x3000 + 3), boot_page_tables + 0x1000
    movl $(boot_page_tables + 0x4000 + 3), boot_page_tables + 0x1000 + 8
    movl $(boot_page_tables + 0x5000 + 3), boot_page_tables + 0x1000 + 16
    movl $(boot_page_tables + 0x6000 + 3), boot_page_tables + 0x1000 + 24
    /* Higher-half PDPT[510], [511] -> physical 0 .. 2 GiB (the kernel image). */
    movl $(boot_page_tables + 0x3000 + 3), boot_page_tables + 0x2000 + 510 * 8
    movl $(boot_page_tables + 0x4000 + 3), boot_page_tables + 0x2000 + 511 * 8
    /* 2048 present, writable 2 MiB pages. */
    movl $(boot_page_tables + 0x3000), %edi
    movl $0x83, %eax
    movl $2048, %ecx
1:  movl %eax, (%edi)
    addl $0x200000, %eax
    addl $8, %edi
    loop 1b

    /* CR4: PAE, OSFXSR, OSXMMEXCPT. */
    movl %cr4, %eax
    orl $((1 << 5) | (1 << 9) | (1 << 10)), %eax
    movl %eax, %cr4
    movl $boot_page_tables, %eax
    movl %eax, %cr3

    /* EFER: long mode, and no-execute when the CPU has it. */
    movl $0x80000001, %eax
    cpuid
    xorl %esi, %esi
    btl $20, %edx
    jnc 2f
    movl $(1 << 11), %esi
2:  movl $0xC0000080, %ecx
    rdmsr
    orl $(1 << 8), %eax
    orl %esi, %eax
    wrmsr

    /* CR0: paging, protection, FPU monitor; no FPU emulation. */
    movl %cr0, %eax
    andl $~(1 << 2), %eax
    orl $((1 << 31) | (1 << 1) | 1), %eax
    movl %eax, %cr0

    lgdt boot_gdt_pointer
    ljmp $0x08, $long_mode_entry

.code64
long_mode_entry:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorw %ax, %ax
    movw %ax, %fs
    movw %ax, %gs
    fninit
    movabsq $boot_stack_top, %rsp
    xorl %ebp, %ebp
    movl boot_protocol, %edi
    movl boot_info_phys, %esi
    movq boot_entry_tsc, %rdx
    movabsq $kernel_entry, %rax
    call *%rax
3:  hlt
    jmp 3b

.section .boot.data, "aw"
.balign 8
boot_gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF                   /* 0x08: 64-bit code */
    .quad 0x00CF92000000FFFF                   /* 0x10: data */
boot_gdt_end:
boot_gdt_pointer:
    .short boot_gdt_end - boot_gdt - 1
    .long boot_gdt

.section .boot.bss, "aw", @nobits
.balign 4096
boot_page_tables:
    .skip 7 * 4096
boot_entry_tsc:
    .skip 8
boot_protocol:
    .skip 4
boot_info_phys:
    .skip 4
.balign 16
    .skip 1024
boot_stack32_top:

/* The kernel's boot stack, in the higher half. */
.section .bss.boot_stack, "aw", @nobits
.balign 4096
    .skip 128 * 1024
.global boot_stack_top
boot_stack_top:
