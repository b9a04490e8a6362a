using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Basic.Reference.Assemblies;
using FusedNorm.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace FusedNorm.Benchmarks;

/// <summary>
/// What the generator costs the compiler and the IDE, on a model of 50 chains (every norm, pooling, Linear + BatchNorm1d):
/// cold generation (a new driver on a new compilation), and the incremental re-run after an edit that touches no model
/// (another file, or another class in the model's file) on a warm driver. The steady-state figures are medians of runs
/// in this process after warm-up; the first-in-process figure (JIT of Roslyn and the generator included) is the median
/// of several fresh processes, each timing its first run only.
/// </summary>
internal static class GeneratorCost
{
    public const int ChainCount = 50;
    private const int ColdRuns = 15, EditRuns = 101, FirstProcesses = 5;
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);
    private static readonly ImmutableArray<MetadataReference> References =
        Net100.References.All.Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(FuseAttribute).Assembly.Location))
            .Append(MetadataReference.CreateFromFile(typeof(System.Numerics.Tensors.Tensor).Assembly.Location))
            .ToImmutableArray();

    /// <summary>The model: 44 conv chains over (3, 32, 32) with three pooling steps, then 6 Linear chains.</summary>
    public static string ModelSource(string extra = "")
    {
        var s = new StringBuilder();
        s.AppendLine("using System;");
        s.AppendLine("using FusedNorm;");
        s.AppendLine("namespace Bench;");
        s.AppendLine("[Model(3, 32, 32)]");
        s.AppendLine("public sealed partial class Fifty");
        s.AppendLine("{");
        int h = 32, chain = 0;
        void Method(string fuse, params string[] attributes)
        {
            s.AppendLine($"    [Fuse({fuse})]");
            foreach (string a in attributes) s.AppendLine($"    {a}");
            s.AppendLine($"    public partial void Chain{chain:D2}(ReadOnlySpan<float> x, Span<float> y, int batch);");
            s.AppendLine();
            chain++;
        }
        const int convChains = 44;
        for (int i = 0; i < convChains; i++)
        {
            int outC = i < 11 ? 16 : i < 22 ? 32 : 64;
            string conv = $"[Conv2d({outC}, KernelSize = 3, Padding = 1, Name = \"conv{i}\")]";
            if (i is 10 or 21 or 32) // the last chain of a stage pools: 32 → 16 → 8 → 4
            {
                bool max = i != 21;
                Method($"Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU, Layer.{(max ? "MaxPool2d" : "AvgPool2d")}",
                    conv, $"[BatchNorm(Name = \"bn{i}\")]", $"[{(max ? "MaxPool2d" : "AvgPool2d")}(KernelSize = 2)]");
                h /= 2;
            }
            else
                switch (i % 4)
                {
                    case 0: Method("Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU", conv, $"[BatchNorm(Name = \"bn{i}\")]"); break;
                    case 1: Method("Layer.Conv2d, Layer.GroupNorm, Layer.SiLU", conv, $"[GroupNorm(4, Name = \"gn{i}\")]"); break;
                    case 2: Method("Layer.Conv2d, Layer.InstanceNorm2d", conv, $"[InstanceNorm(Affine = true, Name = \"in{i}\")]"); break;
                    default: Method("Layer.Conv2d, Layer.LayerNorm, Layer.GELU", conv, $"[LayerNorm({h}, {h}, Name = \"ln{i}\")]"); break;
                }
        }
        foreach (int outFeatures in new[] { 256, 128, 64, 32, 16 }) // the first flattens (64, 4, 4)
            Method("Layer.Linear, Layer.BatchNorm1d, Layer.ReLU", $"[Linear({outFeatures}, Name = \"fc{chain}\")]", $"[BatchNorm(Name = \"bnfc{chain}\")]");
        Method("Layer.Linear, Layer.BatchNorm1d", "[Linear(10, Name = \"head\")]", "[BatchNorm(Name = \"bnhead\")]");
        if (chain != ChainCount) throw new InvalidOperationException($"{chain} chains, not {ChainCount}");
        s.AppendLine("}");
        s.AppendLine();
        s.AppendLine("internal static class Preprocessing");
        s.AppendLine("{");
        s.AppendLine("    public static float Scale(float v) => v / 255f;" + extra);
        s.AppendLine("}");
        return s.ToString();
    }

    private static string UnrelatedFile(int version) =>
        $"namespace Other;\npublic static class Unrelated\n{{\n    public static int Value() => {version};\n}}\n";

    private static CSharpCompilation Compilation(params string[] sources) =>
        CSharpCompilation.Create("GeneratorCost",
            sources.Select((text, i) => CSharpSyntaxTree.ParseText(text, ParseOptions, path: $"File{i}.cs")),
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release,
                nullableContextOptions: NullableContextOptions.Enable));

    /// <summary>As the compiler creates it: no step tracking (unless asked, to see where the time goes).</summary>
    private static GeneratorDriver NewDriver(bool track = false) =>
        CSharpGeneratorDriver.Create(new[] { new FusedNormGenerator().AsSourceGenerator() }, parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: track));

    public static void Run(string[] args)
    {
        if (args.Contains("first"))
        {
            // A fresh process: time its first generation only (the parent reads this line).
            CSharpCompilation compilation = Compilation(ModelSource());
            var (wall, cpu) = Time(() => NewDriver().RunGenerators(compilation));
            Console.WriteLine(FormattableString.Invariant($"first-ms {wall:R} {cpu:R}"));
            return;
        }

        string loadBefore = LoadAverage();
        // The first in-process numbers come from fresh processes, before this one has warmed anything up.
        Times first = Collect(Enumerable.Range(0, FirstProcesses).Select(_ => FirstInProcess()));

        string model = ModelSource();
        int lines = model.Split('\n').Length;
        Validate(model);

        // (a) Cold: a new driver on a new compilation (new syntax trees, so nothing is cached anywhere).
        for (int i = 0; i < 3; i++) NewDriver().RunGenerators(Compilation(model));
        Times cold = Collect(Enumerable.Range(0, ColdRuns).Select(_ =>
        {
            CSharpCompilation compilation = Compilation(model);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return Time(() => NewDriver().RunGenerators(compilation));
        }).ToList());

        // (b) Warm driver, then an edit in another file: version k of an unrelated class, k = 1, 2, ...
        CSharpCompilation baseline = Compilation(model, UnrelatedFile(0));
        SyntaxTree unrelated = baseline.SyntaxTrees.Last();
        Times otherFile = TimeEdits(baseline, k => baseline.ReplaceSyntaxTree(unrelated,
            CSharpSyntaxTree.ParseText(UnrelatedFile(k), ParseOptions, unrelated.FilePath)));

        // (c) Warm driver, then an edit to another class in the model's own file (below the model, so no location moves).
        CSharpCompilation single = Compilation(model);
        SyntaxTree modelTree = single.SyntaxTrees.Single();
        Times sameFile = TimeEdits(single, k => single.ReplaceSyntaxTree(modelTree,
            CSharpSyntaxTree.ParseText(ModelSource($" public static int Version() => {k};"), ParseOptions, modelTree.FilePath)));

        // Where an edit's re-run goes: the Parse step's share of each run, from a driver with step tracking.
        Times parseRuns = TimeEdits(baseline, k => baseline.ReplaceSyntaxTree(unrelated,
            CSharpSyntaxTree.ParseText(UnrelatedFile(k), ParseOptions, unrelated.FilePath)), parseStepOnly: true);
        double parse = Median(parseRuns.Wall.Zip(parseRuns.Cpu, (step, run) => step / run).ToArray());

        string section = Section(lines, first, cold, otherFile, sameFile, parse, $"{loadBefore} before, {LoadAverage()} after");
        Console.WriteLine(section);
        string path = Path.Combine(FindRoot(), "Benchmarks", "RESULTS.md");
        File.WriteAllText(path, ReplaceSection(File.Exists(path) ? File.ReadAllText(path) : "", section));
        Console.WriteLine($"Wrote the generator-cost section of {path}");
    }

    /// <summary>Runs the edit k = 1..n on a driver that has already run on the previous version, timing each re-run.</summary>
    private static Times TimeEdits(CSharpCompilation baseline, Func<int, Compilation> edit, bool parseStepOnly = false)
    {
        GeneratorDriver driver = NewDriver(track: parseStepOnly).RunGenerators(baseline);
        for (int k = 1; k <= 10; k++) driver = driver.RunGenerators(edit(k)); // warm-up
        var times = new List<(double, double)>();
        for (int i = 0; i < EditRuns; i++)
        {
            Compilation next = edit(11 + i); // parsed before the clock starts, as the IDE has it
            times.Add(Time(() => driver = driver.RunGenerators(next)));
            if (parseStepOnly) // (the Parse step's time, the whole run's), both wall-clock
                times[i] = (driver.GetRunResult().Results.Single().TrackedSteps[FusedNormGenerator.TrackingNames.Parse]
                    .Sum(step => step.ElapsedTime.TotalMilliseconds), times[i].Item1);
        }
        // The edits must really have been re-runs that changed nothing: the same 51 files.
        int files = driver.GetRunResult().Results.Single().GeneratedSources.Length;
        if (files != ChainCount + 1) throw new InvalidOperationException($"{files} generated files after the edits");
        return Collect(times);
    }

    /// <summary>The model must generate without errors and the output must compile, or the timings mean nothing.</summary>
    private static void Validate(string model)
    {
        NewDriver().RunGeneratorsAndUpdateCompilation(Compilation(model), out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        var errors = diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)
            .Concat(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error)).ToList();
        if (errors.Count > 0)
            throw new InvalidOperationException("The benchmark model does not generate cleanly:\n" + string.Join("\n", errors.Take(20)));
        int files = output.SyntaxTrees.Count() - 1;
        if (files != ChainCount + 1) throw new InvalidOperationException($"{files} generated files, expected {ChainCount + 1}");
        Console.WriteLine($"Validated: {ChainCount} chains generate {files} files and compile without errors " +
                          $"({diagnostics.Length} info diagnostics: {string.Join(", ", diagnostics.Select(d => d.Id).Distinct())}).");
    }

    private static (double Wall, double Cpu) FirstInProcess()
    {
        string host = Environment.ProcessPath!;
        var info = new ProcessStartInfo(host) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") info.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        info.ArgumentList.Add("generator");
        info.ArgumentList.Add("first");
        using Process process = Process.Start(info)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        string? line = output.Split('\n').FirstOrDefault(l => l.StartsWith("first-ms ", StringComparison.Ordinal));
        if (process.ExitCode != 0 || line is null) throw new InvalidOperationException("The first-run process failed:\n" + output);
        string[] parts = line.Trim().Split(' ');
        return (double.Parse(parts[1], CultureInfo.InvariantCulture), double.Parse(parts[2], CultureInfo.InvariantCulture));
    }

    /// <summary>Wall-clock and CPU times of runs, in ms. CPU time is the calling thread's (RunGenerators runs on it), so other processes on a busy machine do not inflate it.</summary>
    private readonly record struct Times(double[] Wall, double[] Cpu);

    private static Times Collect(IEnumerable<(double Wall, double Cpu)> runs)
    {
        var list = runs.ToList();
        return new Times(list.Select(r => r.Wall).ToArray(), list.Select(r => r.Cpu).ToArray());
    }

    private static (double Wall, double Cpu) Time(Action action)
    {
        double cpu = ThreadCpuMilliseconds();
        long start = Stopwatch.GetTimestamp();
        action();
        return (Stopwatch.GetElapsedTime(start).TotalMilliseconds, ThreadCpuMilliseconds() - cpu);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UserSeconds, UserMicroseconds, SystemSeconds, SystemMicroseconds;
        public long MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals, NVcsw, NIvcsw;
    }

    [DllImport("libc", EntryPoint = "getrusage")]
    private static extern int GetRUsage(int who, out RUsage usage);

    /// <summary>The calling thread's user + system CPU time (Linux getrusage(RUSAGE_THREAD)); NaN elsewhere.</summary>
    private static double ThreadCpuMilliseconds()
    {
        const int RUsageThread = 1;
        if (!OperatingSystem.IsLinux() || GetRUsage(RUsageThread, out RUsage u) != 0) return double.NaN;
        return (u.UserSeconds + u.SystemSeconds) * 1e3 + (u.UserMicroseconds + u.SystemMicroseconds) / 1e3;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static double Median(double[] values) => values.OrderBy(v => v).ElementAt(values.Length / 2);

    private static string Section(int lines, Times first, Times cold, Times otherFile, Times sameFile, double parse, string load)
    {
        static string Ms(double v) => v >= 100 ? $"{v:F0} ms" : v >= 10 ? $"{v:F1} ms" : $"{v:F2} ms";
        static string Met(double median, double target) => double.IsNaN(median) ? "n/a" : median < target ? "✓" : "✗";
        string Row(string what, Times t, double target) =>
            $"| {what} | {t.Wall.Length} | **{Ms(Median(t.Wall))}** | {Ms(t.Wall.Min())} – {Ms(t.Wall.Max())} | {Ms(Median(t.Cpu))} | " +
            (target > 0 ? $"< {Ms(target)}: wall {Met(Median(t.Wall), target)}, CPU {Met(Median(t.Cpu), target)}" : "—") + " |";
        var text = new StringBuilder();
        text.AppendLine("## Generator cost");
        text.AppendLine();
        text.AppendLine($"Run on {DateTime.UtcNow:yyyy-MM-dd} with `dotnet run --project Benchmarks -c Release -- generator`: " +
                        $"{Environment.ProcessorCount} cores, {RuntimeInformation.ProcessArchitecture}, {RuntimeInformation.OSDescription}, " +
                        $".NET {Environment.Version}, Roslyn {typeof(CSharpCompilation).Assembly.GetName().Version}.");
        text.AppendLine($"The model: {ChainCount} chains in one class ({lines} lines; Benchmarks/GeneratorCost.cs): 44 Conv2d 3×3 chains over (3, 32, 32) " +
                        "cycling through BatchNorm + ReLU, GroupNorm + SiLU, InstanceNorm (affine) and LayerNorm + GELU, three of them with " +
                        "MaxPool2d/AvgPool2d (32 → 4), then 6 Linear + BatchNorm1d chains; it generates 51 files without errors (checked before timing).");
        text.AppendLine("Times are of `RunGenerators` only (the sources are parsed and the compilation created before the clock starts); " +
                        "the driver is created as the compiler creates it, without step tracking.");
        text.AppendLine();
        text.AppendLine("| what | runs | median (wall) | min – max (wall) | median (CPU of the thread) | target |");
        text.AppendLine("|---|---:|---:|---:|---:|---|");
        text.AppendLine(Row("cold, first in a fresh process (JIT of Roslyn and the generator included)", first, 0));
        text.AppendLine(Row("cold, steady state: new driver, new compilation", cold, 500));
        text.AppendLine(Row("warm driver, edit in another file (an unrelated class)", otherFile, 20));
        text.AppendLine(Row("warm driver, edit to another class in the model's file", sameFile, 20));
        text.AppendLine();
        text.AppendLine("The first-in-process figure is each fresh process's first run (the median of " + FirstProcesses + " processes); the steady-state " +
                        "cold figure follows 3 warm-up runs, with a full GC before each timed run. This process runs the Microsoft.CodeAnalysis " +
                        "package's IL, which its first run JIT-compiles along with the generator; the SDK's csc ships Roslyn precompiled " +
                        "(ReadyToRun) but still JIT-compiles the generator.");
        text.AppendLine($"Of an edit's re-run, the Parse step alone takes a median {parse:P0} (from runs with step tracking): " +
                        "ForAttributeWithMetadataName runs its transform again on every new compilation, because the attributes' meaning can " +
                        "change with any file, so the model's 50 chains are read again; everything after Parse is cached (its value is equal).");
        text.AppendLine($"Load average (1, 5, 15 min) of this 2-core machine, which is shared: {load}. Other processes stretch the wall-clock " +
                        "times (hence their spread); the CPU time of the thread that runs the generator is what the run itself costs.");
        return text.ToString();
    }

    /// <summary>Replaces the "## Generator cost" section (up to the next "## " heading), or appends it; the rest of the file is kept.</summary>
    internal static string ReplaceSection(string file, string section)
    {
        const string heading = "## Generator cost";
        int at = file.IndexOf(heading, StringComparison.Ordinal);
        if (at < 0) return file.TrimEnd('\n') + (file.Length > 0 ? "\n\n" : "") + section;
        int next = file.IndexOf("\n## ", at + heading.Length, StringComparison.Ordinal);
        return file.Substring(0, at) + section + (next < 0 ? "" : "\n" + file.Substring(next + 1));
    }

    private static string FindRoot()
    {
        string directory = Directory.GetCurrentDirectory();
        while (!File.Exists(Path.Combine(directory, "FusedNorm.sln")))
            directory = Path.GetDirectoryName(directory) ?? throw new InvalidOperationException("Run from inside the repository.");
        return directory;
    }
}
