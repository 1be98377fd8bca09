namespace DeepLite.Tensors;

/// <summary>
/// The pool's handle on one array. A tensor on pooled memory keeps its lease and the id of the scope that
/// rented it; the pool sets <see cref="ScopeId"/> to 0 when the array comes back and to the next renter's
/// id when it goes out again, so a single compare tells a live tensor from one whose memory may already
/// hold another step's values.
/// </summary>
internal abstract class BufferLease
{
    /// <summary>The lease shared by every array that never came from the pool: its scope id stays 0, as do its tensors'.</summary>
    public static readonly BufferLease Unpooled = new UnpooledLease();

    /// <summary>Id of the scope holding the array; 0 while the array is free (or for <see cref="Unpooled"/>).</summary>
    public long ScopeId;

    /// <summary>The thread's count of ended outermost scopes when the array last came back: eviction frees the least recent first.</summary>
    public long LastUsed;

    /// <summary>Size of the array in bytes (a field: it is read twice per rented tensor).</summary>
    public readonly long Bytes;

    protected BufferLease(long bytes) => Bytes = bytes;

    /// <summary>Puts the array back on its thread's free list.</summary>
    public abstract void Return(PoolState state);

    private sealed class UnpooledLease() : BufferLease(0)
    {
        public override void Return(PoolState state) => throw new InvalidOperationException("Internal error: an unpooled array was returned to the pool.");
    }
}

/// <summary>The lease of one pooled array of <typeparamref name="T"/>.</summary>
internal sealed class BufferLease<T>(T[] array) : BufferLease((long)array.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>()) where T : unmanaged
{
    public readonly T[] Array = array;

    public override void Return(PoolState state) => state.List<T>().Add(this);
}
