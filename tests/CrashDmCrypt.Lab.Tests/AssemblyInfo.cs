// The lab's guests are CPU-bound QEMU (TCG) on a 2-core machine: test classes run one at a time, so a guest is never
// starved into a timeout by three others (the hostile-blob table runs its own two guests side by side).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
