using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace BilbyRelay.Quic;

/// <summary>
/// A block of malloc'd memory exposed as <see cref="Memory{T}"/>. It never moves, so ngtcp2 may hold raw pointers into
/// it, and freeing it gives the memory back to malloc at once: unlike a pinned array, it can not leave a half-used GC
/// region behind that the GC may not compact.
/// </summary>
/// <remarks>
/// Owned by <see cref="NativeBlockMemoryPool"/>, which frees it (<see cref="Free"/>) when it evicts it or does not keep
/// it. A block whose lease is lost is freed by the finalizer instead of leaking.
/// </remarks>
internal sealed unsafe class NativeBlock : MemoryManager<byte>
{
    private byte* _pointer;

    public NativeBlock(int length)
    {
        _pointer = (byte*)NativeMemory.Alloc((nuint)length);
        Length = length;
    }

    // CA2015 warns that a span may outlive its manager. Spans of a block are only taken through a live lease (the pipe
    // segment holds it), and ngtcp2's pointers only point into a live pipe; the finalizer only frees a block whose
    // lease was lost, which no pipe or ngtcp2 pointer can still reach.
    [SuppressMessage("Reliability", "CA2015:Do not define finalizers for types derived from MemoryManager<T>", Justification = "See above.")]
    ~NativeBlock() => Free();

    public int Length { get; }

    public override Span<byte> GetSpan()
    {
        // A freed block throws instead of handing out a span over freed memory.
        ObjectDisposedException.ThrowIf(_pointer is null, this);
        return new(_pointer, Length);
    }

    public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

    public override void Unpin()
    {
    }

    /// <summary>Gives the memory back to malloc. The block must not be used afterwards.</summary>
    public void Free()
    {
        var pointer = _pointer;
        _pointer = null;
        if (pointer is not null)
        {
            NativeMemory.Free(pointer);
            GC.SuppressFinalize(this);
        }
    }

    protected override void Dispose(bool disposing) => Free();
}
