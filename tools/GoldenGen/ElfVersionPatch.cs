using System;
using System.IO;
using System.Text;

namespace GoldenGen;

/// <summary>
/// TorchSharp's libLibTorchSharp.so asks for GLIBCXX_3.4.32; Debian 12's libstdc++ stops at 3.4.30. The only
/// symbol bound to that version is std::ios_base_library_init(), which nothing calls. Marking that one version
/// requirement weak (VER_FLG_WEAK in its Elf64_Vernaux) lets the loader accept the library. Only the copy in this
/// tool's build output is patched, never the NuGet cache. Idempotent.
/// </summary>
public static class ElfVersionPatch
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    /// <returns>How many requirements were newly marked weak (0 when already patched or absent).</returns>
    public static int MarkWeak(string path, string version)
    {
        byte[] elf = File.ReadAllBytes(path);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != 'E' || elf[2] != 'L' || elf[3] != 'F' || elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException($"{path} is not a little-endian ELF64 file.");

        long shoff = BitConverter.ToInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A), shnum = BitConverter.ToUInt16(elf, 0x3C);
        int changed = 0;
        for (int i = 0; i < shnum; i++)
        {
            long header = shoff + (long)i * shentsize;
            if (BitConverter.ToUInt32(elf, (int)header + 4) != ShtGnuVerneed) continue;
            long offset = BitConverter.ToInt64(elf, (int)header + 0x18);
            int link = (int)BitConverter.ToUInt32(elf, (int)header + 0x28);
            long strtab = BitConverter.ToInt64(elf, (int)(shoff + (long)link * shentsize) + 0x18);

            // Elf64_Verneed { u16 vn_version, u16 vn_cnt, u32 vn_file, u32 vn_aux, u32 vn_next }
            for (long need = offset; ; )
            {
                int count = BitConverter.ToUInt16(elf, (int)need + 2);
                long aux = need + BitConverter.ToUInt32(elf, (int)need + 8);
                // Elf64_Vernaux { u32 vna_hash, u16 vna_flags, u16 vna_other, u32 vna_name, u32 vna_next }
                for (int a = 0; a < count; a++)
                {
                    string name = ReadString(elf, strtab + BitConverter.ToUInt32(elf, (int)aux + 8));
                    ushort flags = BitConverter.ToUInt16(elf, (int)aux + 4);
                    if (name == version && (flags & VerFlgWeak) == 0)
                    {
                        BitConverter.TryWriteBytes(elf.AsSpan((int)aux + 4, 2), (ushort)(flags | VerFlgWeak));
                        changed++;
                    }
                    uint nextAux = BitConverter.ToUInt32(elf, (int)aux + 12);
                    if (nextAux == 0) break;
                    aux += nextAux;
                }
                uint next = BitConverter.ToUInt32(elf, (int)need + 12);
                if (next == 0) break;
                need += next;
            }
        }
        if (changed > 0) File.WriteAllBytes(path, elf);
        return changed;
    }

    private static string ReadString(byte[] bytes, long start)
    {
        int end = (int)start;
        while (bytes[end] != 0) end++;
        return Encoding.ASCII.GetString(bytes, (int)start, end - (int)start);
    }

    /// <summary>Patches every copy of libLibTorchSharp.so under this tool's output folder.</summary>
    public static void PatchBuildOutput()
    {
        foreach (string library in Directory.GetFiles(AppContext.BaseDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories))
        {
            int changed = MarkWeak(library, "GLIBCXX_3.4.32");
            if (changed > 0) Console.WriteLine($"Marked GLIBCXX_3.4.32 weak in {Path.GetRelativePath(AppContext.BaseDirectory, library)}");
        }
    }
}
