using System;
using System.IO;
using System.Linq;
using System.Text;
using FusedNorm;
using Xunit;
using Xunit.Abstractions;

namespace FusedNorm.Tests.Runtime;

/// <summary>The safetensors reader: round trips, the documented errors, and malformed files that must not crash it.</summary>
public class SafeTensorsTests
{
    private readonly ITestOutputHelper _output;
    public SafeTensorsTests(ITestOutputHelper output) => _output = output;

    private static byte[] Sample()
    {
        var writer = new SafeTensorsWriter();
        writer.Add("conv.weight", Enumerable.Range(0, 24).Select(i => (float)i).ToArray(), 2, 3, 2, 2);
        writer.Add("conv.bias", new[] { 1.5f, -2f }, 2);
        writer.Add("bn.num_batches_tracked", new long[] { 7 });
        writer.SetMetadata("format", "pt");
        return writer.ToArray();
    }

    [Fact]
    public void Round_trip_keeps_names_shapes_values_and_metadata()
    {
        SafeTensorsFile file = SafeTensorsFile.FromBytes(Sample());
        Assert.Equal(new[] { "bn.num_batches_tracked", "conv.bias", "conv.weight" }, file.Names.OrderBy(n => n, StringComparer.Ordinal));
        Assert.Equal(new[] { 2, 3, 2, 2 }, file.GetInfo("conv.weight").Shape);
        Assert.Equal(23f, file.ReadFloat32("conv.weight", 2, 3, 2, 2)[23]);
        Assert.Equal(new[] { 1.5f, -2f }, file.ReadFloat32("conv.bias"));
        Assert.Equal(new long[] { 7 }, file.ReadInt64("bn.num_batches_tracked"));
        Assert.Equal("pt", file.Metadata["format"]);
    }

    [Fact]
    public void Hand_built_file_as_PyTorch_writes_it()
    {
        // 8-byte little-endian header length, JSON header, raw little-endian data.
        string header = "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        byte[] json = Encoding.UTF8.GetBytes(header);
        byte[] bytes = BitConverter.GetBytes((ulong)json.Length).Concat(json)
            .Concat(BitConverter.GetBytes(1.25f)).Concat(BitConverter.GetBytes(-3f)).ToArray();
        Assert.Equal(new[] { 1.25f, -3f }, SafeTensorsFile.FromBytes(bytes).ReadFloat32("x", 2));
    }

    [Theory]
    [InlineData("truncated", "fewer than the 8-byte header length")]
    [InlineData("header-past-end", "runs past the end")]
    [InlineData("huge-header", "exceeds")]
    [InlineData("not-json", "not valid JSON")]
    [InlineData("not-object", "not a JSON object")]
    [InlineData("bad-dtype", "unknown dtype")]
    [InlineData("negative-dim", "non-negative")]
    [InlineData("offsets-out-of-range", "outside the")]
    [InlineData("size-mismatch", "but its data_offsets span")]
    [InlineData("overlap", "overlaps")]
    [InlineData("invalid-utf8", "not valid UTF-8")]
    [InlineData("lone-surrogate", "not valid text")]
    public void Malformed_files_are_InvalidDataException_with_the_reason(string kind, string reason)
    {
        byte[] bytes = kind switch
        {
            "truncated" => new byte[] { 1, 2, 3 },
            "header-past-end" => BitConverter.GetBytes(1000UL).Concat(new byte[10]).ToArray(),
            "huge-header" => BitConverter.GetBytes(ulong.MaxValue).Concat(new byte[10]).ToArray(),
            "not-json" => File("{not json"),
            "not-object" => File("[1,2]"),
            "bad-dtype" => File("{\"x\":{\"dtype\":\"F99\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
            "negative-dim" => File("{\"x\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4),
            "offsets-out-of-range" => File("{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8),
            "size-mismatch" => File("{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8),
            "invalid-utf8" => BitConverter.GetBytes(4UL).Concat(new byte[] { (byte)'{', 0xFF, 0xFE, (byte)'}' }).ToArray(),
            "lone-surrogate" => File("{\"\\ud800\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
            _ => File("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12),
        };
        var e = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.FromBytes(bytes, "bad.safetensors"));
        Assert.Contains(reason, e.Message);
        Assert.Contains("bad.safetensors", e.Message);
    }

    private static byte[] File(string header, int dataBytes = 0)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        return BitConverter.GetBytes((ulong)json.Length).Concat(json).Concat(new byte[dataBytes]).ToArray();
    }

    [Fact]
    public void A_thousand_mutated_files_give_only_documented_exceptions()
    {
        // Truncations, flipped bytes and rewritten header lengths of a valid file: each either loads (and every
        // tensor reads) or throws InvalidDataException / WeightLoadException; never anything else, never a hang.
        byte[] valid = Sample();
        var random = new Random(2026);
        int loaded = 0, rejected = 0;
        for (int i = 0; i < 1000; i++)
        {
            byte[] bytes = (byte[])valid.Clone();
            switch (i % 4)
            {
                case 0: bytes = bytes.AsSpan(0, random.Next(bytes.Length)).ToArray(); break;
                case 1: for (int k = 0; k < 1 + random.Next(4); k++) bytes[8 + random.Next(bytes.Length - 8)] ^= (byte)(1 << random.Next(8)); break;
                case 2: BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), (ulong)random.NextInt64(0, 1L << 40)); break;
                default: bytes[8 + random.Next(bytes.Length - 8)] = (byte)random.Next(256); break;
            }
            try
            {
                SafeTensorsFile file = SafeTensorsFile.FromBytes(bytes);
                foreach (string name in file.Names)
                {
                    string dtype = file.GetInfo(name).DType;
                    if (dtype == "F32") file.ReadFloat32(name);
                    else if (dtype == "I64") file.ReadInt64(name);
                }
                loaded++;
            }
            catch (Exception e) when (e is InvalidDataException or WeightLoadException)
            {
                rejected++;
            }
        }
        _output.WriteLine($"[safetensors fuzz] 1000 mutated files: {loaded} loaded, {rejected} rejected with a documented exception");
        Assert.Equal(1000, loaded + rejected);
        Assert.True(rejected > 500, $"only {rejected} of 1000 mutations were rejected");
    }
}
