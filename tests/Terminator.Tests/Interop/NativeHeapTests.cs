using System.Runtime.InteropServices;
using Terminator.Interop;

namespace Terminator.Tests.Interop;

public sealed class NativeHeapTests
{
    [Fact]
    public unsafe void TryTrim_FreedMemoryInsideTheHeap_IsReleased()
    {
        // 64 KiB blocks stay below glibc's mmap threshold, so they come from an arena; the last small block keeps the
        // freed ones off the arena's top, where free() would already have given them back by itself.
        var blocks = new nint[512];
        for (int i = 0; i < blocks.Length; i++)
        {
            blocks[i] = (nint)NativeMemory.Alloc(64 * 1024);
            new Span<byte>((void*)blocks[i], 64 * 1024).Fill(1); // touched, so resident
        }

        void* pin = NativeMemory.Alloc(64);
        try
        {
            foreach (nint block in blocks)
            {
                NativeMemory.Free((void*)block);
            }

            Assert.True(NativeHeap.TryTrim(), "malloc_trim released nothing after 32 MiB were freed inside the heap");
        }
        finally
        {
            NativeMemory.Free(pin);
        }
    }
}
