using System.Buffers.Binary;
using System.Text;

namespace DeepLite.Benchmarks;

/// <summary>
/// TorchSharp-cpu 0.107.0 ships libLibTorchSharp.so built with GCC 13: it requires GLIBCXX_3.4.32, which
/// Debian 12's libstdc++ lacks, although the one symbol of that version is never called. This marks that
/// version requirement weak (VER_FLG_WEAK in the ELF's SHT_GNU_verneed section) so the loader accepts the
/// library. It is idempotent and runs before TorchSharp loads; on systems with a newer libstdc++ it is harmless.
/// </summary>
internal static class NativePatch
{
    private const string Version = "GLIBCXX_3.4.32";

    public static void WeakenGlibcxxRequirement()
    {
        if (!OperatingSystem.IsLinux()) return;
        foreach (var file in Directory.EnumerateFiles(AppContext.BaseDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories))
        {
            var data = File.ReadAllBytes(file);
            if (Weaken(data) > 0) File.WriteAllBytes(file, data);
        }
    }

    /// <summary>Sets VER_FLG_WEAK on every requirement of <see cref="Version"/>; returns how many it changed.</summary>
    internal static int Weaken(byte[] data)
    {
        if (data.Length < 64 || data[0] != 0x7F || data[1] != 'E' || data[2] != 'L' || data[3] != 'F' || data[4] != 2 || data[5] != 1)
            throw new InvalidDataException("expected a 64-bit little-endian ELF file");
        var span = data.AsSpan();
        long shoff = BinaryPrimitives.ReadInt64LittleEndian(span[0x28..]);
        int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3A..]);
        int shnum = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3C..]);
        long SectionField(int index, int field) => BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan((int)(shoff + index * shentsize + field)));
        uint SectionWord(int index, int field) => BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan((int)(shoff + index * shentsize + field)));
        int changed = 0;
        for (int s = 0; s < shnum; s++)
        {
            if (SectionWord(s, 4) != 0x6FFFFFFE) continue; // SHT_GNU_verneed
            long offset = SectionField(s, 0x18);
            int link = (int)SectionWord(s, 0x28), count = (int)SectionWord(s, 0x2C);
            long strings = SectionField(link, 0x18);
            long entry = offset;
            for (int n = 0; n < count; n++)
            {
                int auxCount = BinaryPrimitives.ReadUInt16LittleEndian(span[(int)(entry + 2)..]);
                long aux = entry + BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(entry + 8)..]);
                for (int a = 0; a < auxCount; a++)
                {
                    uint name = BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(aux + 8)..]);
                    int start = (int)(strings + name), end = Array.IndexOf(data, (byte)0, start);
                    ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(span[(int)(aux + 4)..]);
                    if (Encoding.ASCII.GetString(data, start, end - start) == Version && (flags & 2) == 0)
                    {
                        BinaryPrimitives.WriteUInt16LittleEndian(span[(int)(aux + 4)..], (ushort)(flags | 2));
                        changed++;
                    }
                    aux += BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(aux + 12)..]);
                }
                uint next = BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(entry + 12)..]);
                if (next == 0) break;
                entry += next;
            }
        }
        return changed;
    }
}
