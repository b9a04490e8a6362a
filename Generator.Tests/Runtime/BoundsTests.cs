using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using FusedNorm.Kernels;
using FusedNorm.Tests.Infrastructure;
using FusedNorm.Tests.Numerics;
using Xunit;

namespace FusedNorm.Tests.Runtime;

/// <summary>
/// The generated kernels index x and y without bounds tests once the entry guard has checked their lengths, so a
/// wrong index would read or write memory next to them. Every chain's Forward, its training forward and the
/// whole-model Forward of the sample models run on x and y of exactly the payload's size in native memory,
/// surrounded by canary NaNs; after the call every canary must be intact, x unchanged, and every element of y
/// written with a finite value (a read of a canary would put its NaN into y). On Linux the same calls run again
/// with the end of x and y right before a PROT_NONE page, then with their start right after one: any access
/// past either end faults. Such a fault cannot be caught: it aborts the test run with the kernel's stack trace.
/// Batches 1 and 3 (odd batches reach the tails of sample-tiled kernels), 1 and 2 threads.
/// </summary>
[Trait("Category", "Numeric")]
[Collection(MaxDegreeCollection.Name)]
public unsafe class BoundsTests
{
    /// <summary>A quiet NaN with a payload no arithmetic produces.</summary>
    private const uint CanaryBits = 0x7FC0DEAD;
    /// <summary>What y's payload holds before the call: another NaN, so an element never written is told from a canary read.</summary>
    private const uint UnwrittenBits = 0x7FC0BEEF;
    private const int CanaryBytes = 4096;
    private static readonly int[] Batches = { 1, 3 };
    private static readonly int[] Threads = { 1, 2 };

    public delegate void SpanForward(ReadOnlySpan<float> x, Span<float> y, int batch);

    private sealed record Entry(string Name, SpanForward Call, int InputSize, int OutputSize);

    public enum Layout
    {
        /// <summary>4 KiB of canaries before and after the payload.</summary>
        Canaries,
        /// <summary>Canaries before; the payload's last float is the last one before a PROT_NONE page.</summary>
        GuardAfter,
        /// <summary>The payload's first float is the first one after a PROT_NONE page; canaries after.</summary>
        GuardBefore,
    }

    private static IEnumerable<Layout> Layouts() =>
        OperatingSystem.IsLinux() ? new[] { Layout.Canaries, Layout.GuardAfter, Layout.GuardBefore } : new[] { Layout.Canaries };

    [Theory]
    [MemberData(nameof(ChainCases.Names), MemberType = typeof(ChainCases))]
    public void Chain_reads_and_writes_only_x_and_y(string name)
    {
        ChainCase chain = ChainCases.Get(name);
        Assembly assembly = GeneratorHarness.CompileAndLoad(chain.Source());
        object model = Load(assembly, chain.TypeName, SafeTensorsFile.Open(GoldenTests.GoldenPath(name)));
        var entries = new List<string> { "Chain", "Forward" };
        if (chain.Training) entries.Add("ChainTraining");
        RunAll(name, model, entries);
    }

    [Fact]
    public void LeNetBn_model_Forward_reads_and_writes_only_x_and_y()
    {
        Assembly assembly = GeneratorHarness.CompileAndLoad(SampleModels.LeNetBn);
        object model = Load(assembly, "FusedNorm.Sample.LeNetBn", SampleWeights("lenet_bn"));
        RunAll("LeNetBn", model, new[] { "Forward" });
    }

    [Theory]
    [InlineData("FusedNorm.Sample.UNetBlock", "unet_block")]
    [InlineData("FusedNorm.Sample.StyleBlock", "style_block")]
    public void Sample_block_Forward_reads_and_writes_only_x_and_y(string typeName, string weights)
    {
        string source = File.ReadAllText(Path.Combine(SampleModels.RepositoryRoot, "Sample", "NormBlocks.cs"));
        Assembly assembly = GeneratorHarness.CompileAndLoad(source);
        object model = Load(assembly, typeName, SampleWeights(weights));
        RunAll(typeName, model, new[] { "Block", "Forward" });
    }

    /// <summary>A [Fuse] list run as three kernels: the user's method and the model's Forward run them through rented buffers.</summary>
    [Fact]
    public void Split_chain_and_model_Forward_read_and_write_only_x_and_y()
    {
        var random = new Random(5);
        var w = new SafeTensorsWriter();
        void Add(string key, float low, float high, params int[] shape) =>
            w.Add(key, Enumerable.Range(0, shape.Aggregate(1, (a, d) => a * d)).Select(_ => (float)(low + (high - low) * random.NextDouble())).ToArray(), shape);
        void BatchNorm(string prefix, int n)
        {
            Add(prefix + ".weight", 0.5f, 1.5f, n); Add(prefix + ".bias", -0.5f, 0.5f, n);
            Add(prefix + ".running_mean", -0.5f, 0.5f, n); Add(prefix + ".running_var", 0.3f, 2f, n);
        }
        Add("conv1.weight", -0.3f, 0.3f, 8, 3, 3, 3); Add("conv1.bias", -0.3f, 0.3f, 8); BatchNorm("bn1", 8);
        Add("conv2.weight", -0.2f, 0.2f, 6, 8, 3, 3); Add("conv2.bias", -0.2f, 0.2f, 6);
        Add("gn.weight", 0.5f, 1.5f, 6); Add("gn.bias", -0.5f, 0.5f, 6);
        Add("fc.weight", -0.1f, 0.1f, 10, 150); Add("fc.bias", -0.1f, 0.1f, 10); BatchNorm("bn2", 10);

        Assembly assembly = GeneratorHarness.CompileAndLoad(SplitChainTests.Source);
        object model = Load(assembly, "Split.Net", SafeTensorsFile.FromBytes(w.ToArray()));
        RunAll("Split.Net", model, new[] { "Block", "Forward" });
    }

    /// <summary>
    /// The kernels also rent buffers of batch × a per-sample size larger than x's or y's (the zero-padded input copy,
    /// or a channel block's conv output kept for batch statistics with pooling) and index them in int. A batch for
    /// which batch × input and batch × output fit in an int but that buffer does not is refused at entry, before any
    /// length check: without that, batch × size would wrap and the kernels would index past the rented buffer.
    /// </summary>
    [Theory]
    [InlineData("conv_relu_maxpool_pad", 3 * 13 * 13)]        // padded copy: 507 floats per sample (x: 363, y: 288)
    [InlineData("conv_bn_train_cumulative", 6 * 9 * 10)]      // training forward, batch statistics + MaxPool: 540 (x: 270, y: 120)
    public void Batch_whose_internal_buffer_would_overflow_int_is_refused_at_entry(string name, int bufferPerSample)
    {
        ChainCase chain = ChainCases.Get(name);
        object model = Load(GeneratorHarness.CompileAndLoad(chain.Source()), chain.TypeName, SafeTensorsFile.Open(GoldenTests.GoldenPath(name)));
        Type type = model.GetType();
        int inputSize = (int)type.GetField("InputSize")!.GetValue(null)!, outputSize = (int)type.GetField("OutputSize")!.GetValue(null)!;
        int batch = int.MaxValue / bufferPerSample + 1;
        Assert.True((long)batch * Math.Max(inputSize, outputSize) <= int.MaxValue, "the case must need the buffer's own check");

        foreach (string method in chain.Training ? new[] { "Chain", "ChainTraining" } : new[] { "Chain" })
        {
            var call = (SpanForward)Delegate.CreateDelegate(typeof(SpanForward), model,
                type.GetMethod(method, new[] { typeof(ReadOnlySpan<float>), typeof(Span<float>), typeof(int) })!);
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => call(new float[1], new float[1], batch));
            Assert.Equal("batch", e.ParamName);
            Assert.Contains("larger than a span can hold", e.Message);
            // One sample fewer gets as far as the length checks.
            Assert.IsNotType<ArgumentOutOfRangeException>(Assert.ThrowsAny<ArgumentException>(() => call(new float[1], new float[1], batch - 1)));
        }
    }

    private static SafeTensorsFile SampleWeights(string name) =>
        SafeTensorsFile.Open(Path.Combine(SampleModels.RepositoryRoot, "Sample", "weights", name + ".safetensors"));

    private static object Load(Assembly assembly, string typeName, SafeTensorsFile weights)
    {
        Type type = assembly.GetType(typeName, throwOnError: true)!;
        object model = Activator.CreateInstance(type)!;
        try { type.GetMethod("LoadWeights", new[] { typeof(SafeTensorsFile) })!.Invoke(model, new object[] { weights }); }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
        }
        return model;
    }

    /// <summary>
    /// Every entry with every batch and thread count, first with canaries on both sides (an out-of-bounds write fails
    /// an assertion naming the run), then with guard pages.
    /// </summary>
    private static void RunAll(string name, object model, IEnumerable<string> methods)
    {
        Type type = model.GetType();
        int inputSize = (int)type.GetField("InputSize")!.GetValue(null)!;
        int outputSize = (int)type.GetField("OutputSize")!.GetValue(null)!;
        var entries = methods.Select(m => new Entry(m,
            (SpanForward)Delegate.CreateDelegate(typeof(SpanForward), model,
                type.GetMethod(m, new[] { typeof(ReadOnlySpan<float>), typeof(Span<float>), typeof(int) })
                    ?? throw new MissingMethodException(type.FullName, m)),
            inputSize, outputSize)).ToList();

        using var restore = new MaxDegreeScope();
        foreach (Layout layout in Layouts())
            foreach (Entry entry in entries)
                foreach (int batch in Batches)
                    foreach (int threads in Threads)
                    {
                        Parallelism.MaxDegree = threads;
                        Run($"{name}.{entry.Name}, batch {batch}, {threads} thread(s), {layout}", entry, batch, layout);
                    }
    }

    private static void Run(string what, Entry entry, int batch, Layout layout)
    {
        using var x = new Guarded(batch * entry.InputSize, layout);
        using var y = new Guarded(batch * entry.OutputSize, layout);
        var random = new Random(batch * 7919 + entry.InputSize);
        Span<float> input = x.Payload;
        for (int i = 0; i < input.Length; i++) input[i] = (float)(random.NextDouble() * 4 - 2);
        float[] before = input.ToArray();
        y.Payload.Fill(BitConverter.UInt32BitsToSingle(UnwrittenBits)); // so an element the kernels never write shows up

        bool refused = false;
        try { entry.Call(x.Payload, y.Payload, batch); }
        catch (ArgumentException e) when (batch == 1 && e.Message.Contains("more than 1 value per channel"))
        {
            refused = true; // a training forward whose batch statistics would have one value per channel, refused as PyTorch does
        }

        x.AssertCanariesIntact(what + ": x");
        y.AssertCanariesIntact(what + ": y");
        ReadOnlySpan<uint> after = MemoryMarshal.Cast<float, uint>(x.Payload);
        for (int i = 0; i < before.Length; i++)
            if (after[i] != BitConverter.SingleToUInt32Bits(before[i]))
                Assert.Fail($"{what}: x[{i}] changed from {before[i]} to {x.Payload[i]}; Forward must not write its input.");
        if (refused) return;
        Span<float> output = y.Payload;
        for (int i = 0; i < output.Length; i++)
        {
            uint bits = BitConverter.SingleToUInt32Bits(output[i]);
            if (bits == UnwrittenBits)
                Assert.Fail($"{what}: y[{i}] of {output.Length} was never written.");
            if (bits == CanaryBits)
                Assert.Fail($"{what}: y[{i}] of {output.Length} is the canary NaN: the kernels read memory outside x or y.");
            if (!float.IsFinite(output[i]))
                Assert.Fail($"{what}: y[{i}] = {output[i]} (0x{bits:X8}) from finite inputs and weights.");
        }
    }

    /// <summary>
    /// A payload of exactly <c>length</c> floats in native memory with canaries on both sides, or (on Linux) with one
    /// side against an inaccessible page.
    /// </summary>
    private sealed class Guarded : IDisposable
    {
        private readonly byte* _base;
        private readonly nuint _size;
        private readonly Layout _layout;
        private readonly float* _payload;
        private readonly int _length;

        public Guarded(int length, Layout layout)
        {
            _length = length;
            _layout = layout;
            nuint bytes = (nuint)length * sizeof(float);
            if (layout == Layout.Canaries)
            {
                _size = CanaryBytes + bytes + CanaryBytes;
                _base = (byte*)NativeMemory.AlignedAlloc(_size, 64);
                _payload = (float*)(_base + CanaryBytes);
            }
            else
            {
                nuint page = (nuint)Environment.SystemPageSize;
                nuint dataPages = (bytes + CanaryBytes + page - 1) / page;
                _size = (dataPages + 1) * page;
                _base = (byte*)Libc.mmap(null, _size, Libc.ProtRead | Libc.ProtWrite, Libc.MapPrivate | Libc.MapAnonymous, -1, 0);
                if (_base == (byte*)-1) throw new InvalidOperationException($"mmap failed: errno {Marshal.GetLastPInvokeError()}");
                byte* guard = layout == Layout.GuardAfter ? _base + dataPages * page : _base;
                if (Libc.mprotect(guard, page, Libc.ProtNone) != 0)
                    throw new InvalidOperationException($"mprotect failed: errno {Marshal.GetLastPInvokeError()}");
                _payload = layout == Layout.GuardAfter ? (float*)(guard - bytes) : (float*)(guard + page);
            }
            foreach (var (start, count) in Canaries()) new Span<uint>((uint*)start, count).Fill(CanaryBits);
        }

        public Span<float> Payload => new(_payload, _length);

        /// <summary>The accessible floats before and after the payload.</summary>
        private List<(nint Start, int Count)> Canaries()
        {
            byte* first = _base, end = _base + _size;
            nuint page = (nuint)Environment.SystemPageSize;
            if (_layout == Layout.GuardBefore) first = _base + page;
            if (_layout == Layout.GuardAfter) end = _base + _size - page;
            byte* after = (byte*)(_payload + _length);
            return new() { ((nint)first, (int)(((byte*)_payload - first) / sizeof(uint))), ((nint)after, (int)((end - after) / sizeof(uint))) };
        }

        public void AssertCanariesIntact(string what)
        {
            foreach (var (address, count) in Canaries())
            {
                uint* start = (uint*)address;
                bool before = (float*)start < _payload;
                for (int i = 0; i < count; i++)
                    if (start[i] != CanaryBits)
                    {
                        long index = before ? i - count : _length + i;
                        Assert.Fail($"{what}: index {index} of the {_length}-float payload ({(before ? "before its start" : "past its end")}) " +
                                    $"was overwritten with 0x{start[i]:X8} ({BitConverter.UInt32BitsToSingle(start[i])}).");
                    }
            }
        }

        public void Dispose()
        {
            if (_layout != Layout.Canaries) Libc.munmap(_base, _size);
            else NativeMemory.AlignedFree(_base);
        }
    }

    private static class Libc
    {
        public const int ProtNone = 0, ProtRead = 1, ProtWrite = 2, MapPrivate = 0x02, MapAnonymous = 0x20;

        [DllImport("libc", SetLastError = true)]
        public static extern void* mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

        [DllImport("libc", SetLastError = true)]
        public static extern int mprotect(void* address, nuint length, int protection);

        [DllImport("libc", SetLastError = true)]
        public static extern int munmap(void* address, nuint length);
    }
}

/// <summary>Tests that set the process-wide <see cref="Parallelism.MaxDegree"/> run one at a time, so none restores another's value.</summary>
[CollectionDefinition(Name)]
public sealed class MaxDegreeCollection
{
    public const string Name = "Parallelism.MaxDegree";
}
