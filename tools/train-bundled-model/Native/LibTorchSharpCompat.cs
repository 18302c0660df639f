using System.Buffers.Binary;
using System.Text;

namespace QuantServe.Tools.TrainBundledModel.Native;

/// <summary>
/// TorchSharp 0.107's libLibTorchSharp.so was linked with GCC 13 and asks for the symbol version
/// GLIBCXX_3.4.32 (only for std::ios_base_library_init, a reference GCC 13's &lt;iostream&gt; emits and
/// nothing calls: the library has no relocation against it). Debian 12's libstdc++ (GCC 12) stops at
/// 3.4.30, so the loader refuses the library. Marking that one version requirement weak
/// (VER_FLG_WEAK in its Vernaux entry) makes the loader accept it; the build output's copy is
/// patched once, before TorchSharp loads it. On a system with a newer libstdc++ nothing changes.
/// </summary>
public static class LibTorchSharpCompat
{
    private const string MissingVersion = "GLIBCXX_3.4.32";
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    public static void EnsureLoadable()
    {
        if (!OperatingSystem.IsLinux() || SystemLibStdCxxHas(MissingVersion))
            return;
        string path = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (!File.Exists(path))
            return;
        byte[] elf = File.ReadAllBytes(path);
        if (MarkVersionWeak(elf, MissingVersion))
        {
            File.WriteAllBytes(path + ".tmp", elf);
            File.Move(path + ".tmp", path, overwrite: true);
            Console.Error.WriteLine($"patched {path}: {MissingVersion} requirement marked weak (system libstdc++ lacks it)");
        }
    }

    private static bool SystemLibStdCxxHas(string version)
    {
        foreach (var candidate in new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6" })
        {
            if (File.Exists(candidate))
                return Contains(File.ReadAllBytes(candidate), Encoding.ASCII.GetBytes(version + "\0"));
        }
        return true; // unknown layout: leave the library alone
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    /// <summary>Sets VER_FLG_WEAK on the Vernaux entry named <paramref name="version"/>; false when already weak or absent.</summary>
    private static bool MarkVersionWeak(byte[] elf, string version)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("libLibTorchSharp.so is not a 64-bit little-endian ELF file");
        var span = elf.AsSpan();
        long shoff = (long)BinaryPrimitives.ReadUInt64LittleEndian(span[0x28..]);
        int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3A..]);
        int shnum = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3C..]);
        for (int s = 0; s < shnum; s++)
        {
            var sh = span.Slice((int)(shoff + s * shentsize), shentsize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]) != ShtGnuVerneed)
                continue;
            long offset = (long)BinaryPrimitives.ReadUInt64LittleEndian(sh[0x18..]);
            int link = (int)BinaryPrimitives.ReadUInt32LittleEndian(sh[0x28..]);
            var strtab = span.Slice((int)(shoff + link * shentsize), shentsize);
            long strOffset = (long)BinaryPrimitives.ReadUInt64LittleEndian(strtab[0x18..]);
            long need = offset;
            while (true)
            {
                int count = BinaryPrimitives.ReadUInt16LittleEndian(span[(int)(need + 2)..]);
                long aux = need + BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(need + 8)..]);
                for (int a = 0; a < count; a++)
                {
                    long name = strOffset + BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(aux + 8)..]);
                    int end = span[(int)name..].IndexOf((byte)0);
                    if (Encoding.ASCII.GetString(span.Slice((int)name, end)) == version)
                    {
                        var flags = span.Slice((int)(aux + 4), 2);
                        ushort value = BinaryPrimitives.ReadUInt16LittleEndian(flags);
                        if ((value & VerFlagWeak) != 0)
                            return false;
                        BinaryPrimitives.WriteUInt16LittleEndian(flags, (ushort)(value | VerFlagWeak));
                        return true;
                    }
                    aux += BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(aux + 12)..]);
                }
                uint next = BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(need + 12)..]);
                if (next == 0)
                    return false;
                need += next;
            }
        }
        return false;
    }
}
