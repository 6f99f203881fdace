using System.Buffers.Binary;
using System.Numerics;

namespace Terminator.Domains;

/// <summary>
/// CRC-32C (Castagnoli, RFC 3720 §12.1), the checksum of every persisted domain record: it tells a record torn by a crash
/// or damaged on disk from a good one. <see cref="BitOperations.Crc32C(uint, ulong)"/> uses the SSE 4.2 / ARMv8 CRC
/// instruction where there is one (about 8 bytes per cycle), so checking a million records costs milliseconds.
/// </summary>
internal static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = uint.MaxValue;
        while (data.Length >= sizeof(ulong))
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[sizeof(ulong)..];
        }

        foreach (byte b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }
}
