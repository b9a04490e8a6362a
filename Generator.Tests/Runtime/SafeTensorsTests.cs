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

        // The same file on disk, parsed from the mapped view, gives the same message.
        using var temp = new TempFile(bytes, "bad.safetensors");
        var mapped = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Open(temp.Path));
        Assert.Equal(e.Message, mapped.Message);
    }

    /// <summary>A file in a directory of its own, deleted with it.</summary>
    internal sealed class TempFile : IDisposable
    {
        private readonly string _directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fusednorm-" + Guid.NewGuid().ToString("N"));
        public string Path { get; }

        public TempFile(byte[] bytes, string name = "weights.safetensors")
        {
            Directory.CreateDirectory(_directory);
            Path = System.IO.Path.Combine(_directory, name);
            System.IO.File.WriteAllBytes(Path, bytes);
        }

        public void Dispose() => Directory.Delete(_directory, recursive: true);
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
        var (loaded, rejected) = Fuzz(1000, bytes => SafeTensorsFile.FromBytes(bytes));
        _output.WriteLine($"[safetensors fuzz] 1000 mutated files: {loaded} loaded, {rejected} rejected with a documented exception");
        Assert.Equal(1000, loaded + rejected);
        Assert.True(rejected > 500, $"only {rejected} of 1000 mutations were rejected");
    }

    [Fact]
    public void Mutated_files_on_disk_give_only_documented_exceptions_through_the_mapped_view()
    {
        using var temp = new TempFile(Array.Empty<byte>());
        var (loaded, rejected) = Fuzz(300, bytes =>
        {
            System.IO.File.WriteAllBytes(temp.Path, bytes);
            return SafeTensorsFile.Open(temp.Path);
        });
        _output.WriteLine($"[safetensors fuzz, mapped] 300 mutated files: {loaded} loaded, {rejected} rejected with a documented exception");
        Assert.Equal(300, loaded + rejected);
        Assert.True(rejected > 150, $"only {rejected} of 300 mutations were rejected");
    }

    private static (int Loaded, int Rejected) Fuzz(int count, Func<byte[], SafeTensorsFile> open)
    {
        byte[] valid = Sample();
        var random = new Random(2026);
        int loaded = 0, rejected = 0;
        for (int i = 0; i < count; i++)
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
                using SafeTensorsFile file = open(bytes);
                foreach (string name in file.Names)
                {
                    string dtype = file.GetInfo(name).DType;
                    if (SafeTensorsFile.FloatDTypes.Contains(dtype)) file.ReadFloat32(name);
                    else if (dtype == "I64") file.ReadInt64(name);
                }
                loaded++;
            }
            catch (Exception e) when (e is InvalidDataException or WeightLoadException)
            {
                rejected++;
            }
        }
        return (loaded, rejected);
    }

    [Fact]
    public void Opened_file_reads_from_the_mapped_view_like_FromBytes()
    {
        // An F16 tensor of 3 values first puts the next tensors at unaligned offsets (6 bytes in); a 3 MB tensor spans many pages.
        var writer = new SafeTensorsWriter();
        writer.Add("a.half", new[] { (Half)1.5, (Half)(-2), (Half)65504 }, 3);
        writer.Add("b.bias", new[] { 0.25f, -7f }, 2);
        writer.Add("c.big", Enumerable.Range(0, 786_433).Select(i => (float)Math.Sin(i)).ToArray(), 786_433);
        writer.Add("d.num_batches_tracked", new long[] { 42 });
        writer.Add("e.double", new[] { 1e300, 0.1 }, 2);
        byte[] bytes = writer.ToArray();
        SafeTensorsFile inMemory = SafeTensorsFile.FromBytes(bytes);
        using var temp = new TempFile(bytes);
        using (SafeTensorsFile mapped = SafeTensorsFile.Open(temp.Path))
        {
            Assert.Equal("weights.safetensors", mapped.SourceName);
            Assert.Equal(inMemory.Names.OrderBy(n => n, StringComparer.Ordinal), mapped.Names.OrderBy(n => n, StringComparer.Ordinal));
            Assert.Equal(6, mapped.GetInfo("b.bias").DataOffset); // unaligned for a float
            Assert.Equal(new[] { 1.5f, -2f, 65504f }, mapped.ReadFloat32("a.half", 3));
            Assert.Equal(new[] { 0.25f, -7f }, mapped.ReadFloat32("b.bias", 2));
            Assert.Equal(inMemory.ReadFloat32("c.big"), mapped.ReadFloat32("c.big"));
            Assert.Equal((float)Math.Sin(786_432), mapped.ReadFloat32("c.big")[^1]);
            Assert.Equal(new long[] { 42 }, mapped.ReadInt64("d.num_batches_tracked"));
            Assert.Equal(new[] { float.PositiveInfinity, 0.1f }, mapped.ReadFloat32("e.double"));
        }
    }

    [Fact]
    public void Disposed_file_refuses_reads_and_releases_its_mapping()
    {
        var writer = new SafeTensorsWriter();
        writer.Add("w", new[] { 1f, 2f }, 2);
        using var temp = new TempFile(writer.ToArray());
        SafeTensorsFile file = SafeTensorsFile.Open(temp.Path);
        if (OperatingSystem.IsLinux()) Assert.Contains(temp.Path, System.IO.File.ReadAllText("/proc/self/maps"));
        file.Dispose();
        if (OperatingSystem.IsLinux()) Assert.DoesNotContain(temp.Path, System.IO.File.ReadAllText("/proc/self/maps"));
        Assert.Throws<ObjectDisposedException>(() => file.ReadFloat32("w"));
        Assert.Equal(new[] { 2 }, file.GetInfo("w").Shape); // the parsed header stays readable
        file.Dispose(); // twice is harmless
    }

    private static readonly string[] ResNetKeys = ResNetStateDictKeys();

    /// <summary>The state_dict keys of a torchvision ResNet-18 (conv1, bn1, layer1-4 of two basic blocks, fc).</summary>
    private static string[] ResNetStateDictKeys()
    {
        string[] bn = { "weight", "bias", "running_mean", "running_var", "num_batches_tracked" };
        var keys = new System.Collections.Generic.List<string> { "conv1.weight" };
        keys.AddRange(bn.Select(p => "bn1." + p));
        for (int layer = 1; layer <= 4; layer++)
            for (int block = 0; block < 2; block++)
            {
                string prefix = $"layer{layer}.{block}.";
                keys.Add(prefix + "conv1.weight");
                keys.AddRange(bn.Select(p => prefix + "bn1." + p));
                keys.Add(prefix + "conv2.weight");
                keys.AddRange(bn.Select(p => prefix + "bn2." + p));
                if (layer > 1 && block == 0)
                {
                    keys.Add(prefix + "downsample.0.weight");
                    keys.AddRange(bn.Select(p => prefix + "downsample.1." + p));
                }
            }
        keys.Add("fc.weight");
        keys.Add("fc.bias");
        return keys.ToArray();
    }

    private static SafeTensorsFile ResNetFile(Func<string, string> rename)
    {
        var writer = new SafeTensorsWriter();
        foreach (string key in ResNetKeys)
        {
            if (key.EndsWith("num_batches_tracked", StringComparison.Ordinal)) writer.Add(rename(key), new long[] { 1 });
            else writer.Add(rename(key), new[] { 0f }, 1);
        }
        return SafeTensorsFile.FromBytes(writer.ToArray(), "resnet18.safetensors");
    }

    [Theory]
    [InlineData("layer1.0.bn1.wieght", "layer1.0.bn1.weight", "layer1.0.bn2.weight")]              // a typo in the last segment
    [InlineData("model.layer1.0.bn1.weight", "layer1.0.bn1.weight", "layer2.0.bn1.weight")]        // the file lacks the prefix
    [InlineData("layer1.0.bn1.runing_var", "layer1.0.bn1.running_var", "layer1.0.bn2.running_var")]
    [InlineData("layer3.1.conv2.weight_", "layer3.1.conv2.weight", "layer1.1.conv2.weight")]        // ties (distance 2) go by name
    [InlineData("fc.weights", "fc.weight", "bn1.weight")]
    public void Missing_tensor_suggests_the_closest_names(string requested, string best, string second)
    {
        SafeTensorsFile file = ResNetFile(k => k);
        var e = Assert.Throws<WeightLoadException>(() => file.ReadFloat32(requested, 1));
        Assert.Equal(requested, e.TensorName);
        Assert.Contains($"Tensor '{requested}' was not found in 'resnet18.safetensors'. Expected F32 [1].", e.Message);
        Assert.Contains($"Did you mean '{best}'? Next closest: '{second}', '", e.Message);
        Assert.EndsWith($"The file has {ResNetKeys.Length} tensors.", e.Message);
        Assert.Equal(122, ResNetKeys.Length); // as torchvision's resnet18().state_dict()
    }

    [Fact]
    public void Missing_prefix_in_the_model_or_the_file_ranks_the_prefixed_name_first()
    {
        // The file was saved from a wrapper (DataParallel's "module.") while the model asks for plain names.
        var e = Assert.Throws<WeightLoadException>(() => ResNetFile(k => "module." + k).ReadFloat32("layer1.0.bn1.weight"));
        Assert.Contains("Did you mean 'module.layer1.0.bn1.weight'?", e.Message);

        // Only one block has a bn1, and the model asks for it without its prefix.
        var writer = new SafeTensorsWriter();
        foreach (string key in new[] { "conv1.weight", "fc.weight", "fc.bias", "layer1.0.bn1.weight", "layer1.0.bn1.bias", "layer1.0.bn2.weight" })
            writer.Add(key, new[] { 0f }, 1);
        var single = Assert.Throws<WeightLoadException>(() => SafeTensorsFile.FromBytes(writer.ToArray()).ReadFloat32("bn1.weight"));
        Assert.Contains("Did you mean 'layer1.0.bn1.weight'? Next closest: 'conv1.weight', 'fc.weight'. The file has 6 tensors.", single.Message);
    }

    [Fact]
    public void Missing_tensor_in_an_empty_file_says_so()
    {
        var e = Assert.Throws<WeightLoadException>(() => SafeTensorsFile.FromBytes(new SafeTensorsWriter().ToArray()).GetInfo("conv.weight"));
        Assert.Contains("'conv.weight' was not found", e.Message);
        Assert.Contains("The file has no tensors.", e.Message);
    }
}
