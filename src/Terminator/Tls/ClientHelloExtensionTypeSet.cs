using System.Buffers;

namespace Terminator.Tls;

/// <summary>
/// Exact set of extension types seen in one ClientHello, for the RFC 8446 §4.2 no-duplicates rule. Real hellos carry
/// ~10–25 extensions, so a linear scan over a small stack buffer is cheapest; a hostile hello can carry up to 16,383
/// empty extensions, so past the inline capacity it switches to a pooled 65,536-bit bitmap to stay O(n).
/// </summary>
internal ref struct ClientHelloExtensionTypeSet
{
    internal const int InlineCapacity = 48;
    private const int BitmapBytes = (ushort.MaxValue + 1) / 8;

    private readonly Span<ushort> _inline;
    private int _count;
    private byte[]? _bitmap;

    public ClientHelloExtensionTypeSet(Span<ushort> inlineStorage)
    {
        _inline = inlineStorage;
        _count = 0;
        _bitmap = null;
    }

    /// <summary>Adds <paramref name="type"/>; false when it was already present.</summary>
    public bool TryAdd(ushort type)
    {
        if (_bitmap is null)
        {
            if (_inline[.._count].Contains(type))
            {
                return false;
            }

            if (_count < _inline.Length)
            {
                _inline[_count++] = type;
                return true;
            }

            _bitmap = ArrayPool<byte>.Shared.Rent(BitmapBytes);
            _bitmap.AsSpan(0, BitmapBytes).Clear();
            foreach (ushort seen in _inline)
            {
                _bitmap[seen >> 3] |= (byte)(1 << (seen & 7));
            }
        }

        ref byte cell = ref _bitmap[type >> 3];
        byte mask = (byte)(1 << (type & 7));
        if ((cell & mask) != 0)
        {
            return false;
        }

        cell |= mask;
        return true;
    }

    /// <summary>Returns the pooled bitmap, if one was rented.</summary>
    public void Dispose()
    {
        if (_bitmap is not null)
        {
            ArrayPool<byte>.Shared.Return(_bitmap);
            _bitmap = null;
        }
    }
}
