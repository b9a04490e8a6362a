using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using CsCheck;
using FusedNorm.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace FusedNorm.Tests.Generator;

/// <summary>
/// The generator under random declarations. A model is built valid by construction from a tape of random numbers
/// (<see cref="FuzzModel"/> computes every shape itself); one mutation from the catalogue below then breaks exactly
/// one rule, or none. CsCheck draws the tape and the mutation, runs many in parallel, and on a failure shrinks the
/// tape to a minimal model and prints the seed that reproduces it.
/// </summary>
public class GeneratorFuzzTests
{
    private readonly ITestOutputHelper _output;
    public GeneratorFuzzTests(ITestOutputHelper output) => _output = output;

    /// <summary>A rule-breaking edit: returns the FN ID it must produce, or null when it does not apply to this model.</summary>
    /// <summary>10,000 by default; FUZZ_ITERATIONS runs more (or fewer, while debugging) and FUZZ_SEED replays a failure.</summary>
    private static readonly int Iterations = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_ITERATIONS"), out int n) ? n : 10_000;

    private const string Split = "of them valid with one [Fuse] list run as several kernels";
    private const string Concatenated = "of them valid graphs with a Concat";

    private delegate string? Mutation(FuzzModel model, FuzzSource source, Tape t);

    private static readonly (string Name, Mutation Apply)[] Mutations =
    {
        ("class not partial", (m, s, t) => { s.ClassModifiers = s.ClassModifiers.Replace("partial ", ""); return "FN0001"; }),
        ("generic class", (m, s, t) => { s.TypeParameters = "<T>"; return "FN0013"; }),
        ("static class", (m, s, t) => { s.ClassModifiers = "public static partial class"; return "FN0013"; }),
        ("nested in a non-partial class", (m, s, t) => { s.OuterType = "public class Outer"; return "FN0013"; }),
        ("method with a body", (m, s, t) => { EditMethod(s, t, d => d.Replace(");", ") { }")); return "FN0002"; }),
        ("method not partial", (m, s, t) => { EditMethod(s, t, d => "public " + d.Replace("partial ", "").Replace(");", ") { }")); return "FN0002"; }),
        ("static method", (m, s, t) => { EditMethod(s, t, d => "static " + d); return "FN0003"; }),
        ("wrong parameter types", (m, s, t) => { EditMethod(s, t, d => t.Pick(new Func<string, string>[]
            {
                x => x.Replace("ReadOnlySpan<float>", "ReadOnlySpan<double>"),
                x => x.Replace(", int batch", ""),
                x => x.Replace("int batch", "long batch"),
                x => x.Replace("Span<float> y", "float[] y"),
            })(d)); return "FN0003"; }),
        ("unknown layer", (m, s, t) => { EditAttribute(s, t, 0, a => a.Replace("Fuse(Layer.", $"Fuse((Layer)({t.Pick(new[] { 0, 99, -1 })}), Layer.")); return "FN0004"; }),
        ("layer order", (m, s, t) => { EditAttribute(s, t, 0, a => t.Pick(new Func<string, string>[]
            {
                x => x.Replace("Fuse(", "Fuse(Layer.AvgPool3d, "), // (a norm or activation first is a pre-activation now)
                x => x.Replace("Fuse(", "Fuse(Layer.MaxPool1d, "),
                x => InsertAfterLayers(x, "Layer.Linear, Layer.ReLU, Layer.Tanh"),
                x => InsertAfterLayers(x, "Layer.Tanh, Layer.Tanh"),
            })(a)); return "FN0005"; }),
        ("norm of the wrong rank", (m, s, t) =>
        {
            int i = ChainWhere(m, t, c => c.Norm is { Kind: Layer.BatchNorm1d or Layer.BatchNorm2d or Layer.BatchNorm3d });
            if (i < 0) return null;
            FuzzChain c = m.Chains[i];
            FuzzNorm n = c.Norm!;
            int rank = c.Conv?.Rank ?? 0;
            Layer wrong = rank == 3 ? Layer.BatchNorm2d : Layer.BatchNorm3d;
            s.Methods[i].Attributes[0] = s.Methods[i].Attributes[0].Replace("Layer." + n.Kind, "Layer." + wrong);
            return "FN0005";
        }),
        ("missing layer attribute", (m, s, t) => { EditMethodAt(s, t, (attributes, _) => attributes.RemoveAt(1)); return "FN0006"; }),
        ("attribute for an unlisted layer", (m, s, t) =>
        {
            int i = t.Next(m.Chains.Count);
            FuzzChain c = m.Chains[i];
            string? extra = c.Activation != Layer.ELU ? "ELU(Alpha = 0.5)" : c.Pool is null && c.Conv is { Rank: 2 } ? "MaxPool2d(KernelSize = 2)" : c.Norm is null ? "BatchNorm(Name = \"extra\")" : null;
            if (extra is null) return null;
            s.Methods[i].Attributes.Add(extra);
            return "FN0007";
        }),
        ("compute layer without a name", (m, s, t) => { EditAttribute(s, t, 1, a => System.Text.RegularExpressions.Regex.Replace(a, @", Name = ""[^""]*""", "")); return "FN0008"; }),
        ("duplicate layer name", (m, s, t) =>
        {
            var names = m.Chains.SelectMany(c => new[] { c.Conv?.Name ?? c.Linear!.Name }.Concat(c.Norm?.Name is { } n && (c.Norm.Affine || c.Norm.Track) ? new[] { n } : Array.Empty<string>())).ToList();
            if (names.Count < 2) return null;
            string first = names[0], second = names[1 + t.Next(names.Count - 1)];
            for (int i = 0; i < s.Methods.Count; i++)
                for (int j = 0; j < s.Methods[i].Attributes.Count; j++)
                    s.Methods[i].Attributes[j] = s.Methods[i].Attributes[j].Replace($"Name = \"{second}\"", $"Name = \"{first}\"");
            return "FN0009";
        }),
        ("no [Model]", (m, s, t) => { s.ModelAttribute = ""; return "FN0010"; }),
        ("model without chains", (m, s, t) => { s.Methods.Clear(); return "FN0011"; }),
        ("invalid parameter", (m, s, t) =>
        {
            int i = t.Next(m.Chains.Count);
            FuzzChain c = m.Chains[i];
            int at = s.Methods[i].Attributes.FindIndex(a => a.StartsWith("BatchNorm(") || a.StartsWith("GroupNorm(") || a.StartsWith("LayerNorm(") || a.StartsWith("InstanceNorm("));
            if (c.Activation == Layer.GELU && t.OneIn(2)) { s.Methods[i].Attributes.RemoveAll(a => a.StartsWith("GELU(")); s.Methods[i].Attributes.Add("GELU(Approximate = \"fast\")"); return "FN0012"; }
            if (at < 0) return null;
            bool momentum = c.Norm!.Track && !c.Norm.Cumulative && t.OneIn(2);
            s.Methods[i].Attributes[at] = AddArgument(s.Methods[i].Attributes[at], momentum ? "Momentum = 1.5" : $"Eps = {t.Pick(new[] { "0", "-1e-5", "double.NaN" })}");
            return "FN0012";
        }),
        ("training forward without batch statistics", (m, s, t) =>
        {
            int i = t.Next(m.Chains.Count);
            FuzzChain c = m.Chains[i];
            if (c.Training || c.Norm is { Kind: Layer.BatchNorm1d or Layer.BatchNorm2d or Layer.BatchNorm3d } || c.Norm is { Track: true }) return null;
            s.Methods[i].Attributes[0] = s.Methods[i].Attributes[0].TrimEnd(')') + ", TrainingForward = true)";
            return "FN0014";
        }),
        ("declared input channels disagree", (m, s, t) =>
        {
            int i = t.Next(m.Chains.Count);
            FuzzChain c = m.Chains[i];
            string argument = c.Conv is not null ? $"InChannels = {c.InShape[0] + 1 + t.Next(3)}" : $"InFeatures = {c.InShape.Aggregate(1, (a, d) => a * d) + 1 + t.Next(3)}";
            s.Methods[i].Attributes[1] = AddArgument(s.Methods[i].Attributes[1], argument);
            return "FN0101";
        }),
        ("kernel larger than the padded input", (m, s, t) => Rebuild(m, s, t, c => c.Conv is { Transposed: false } conv // a transposed conv takes any kernel
            ? c with { Conv = conv with { Kernel = c.ConvDims().Min() + 2 * conv.Padding + 1 + t.Next(3), Dilation = 1, KernelSizes = null, Paddings = null } }
            : null) ? "FN0102" : null),
        ("pool window larger than its input", (m, s, t) => Rebuild(m, s, t, c => c.Conv is { } conv
            // the chain's own pool, or a max pool of the conv's rank added to it (only a third of the conv chains pool)
            ? c with { Pool = (c.Pool ?? new FuzzPool(conv.Rank switch { 1 => Layer.MaxPool1d, 2 => Layer.MaxPool2d, _ => Layer.MaxPool3d }, 1, 0, 0, true))
                with { Kernel = ConvOutput(c).Min() + 1 + t.Next(3), Padding = 0 } }
            : null) ? "FN0102" : null),
        ("norm num_features disagree", (m, s, t) =>
        {
            int i = ChainWhere(m, t, c => c.Norm is { Kind: Layer.BatchNorm1d or Layer.BatchNorm2d or Layer.BatchNorm3d });
            if (i < 0) return null;
            int at = s.Methods[i].Attributes.FindIndex(a => a.StartsWith("BatchNorm("));
            int channels = m.Chains[i].Conv?.OutChannels ?? m.Chains[i].Linear!.OutFeatures;
            s.Methods[i].Attributes[at] = AddArgument(s.Methods[i].Attributes[at], $"NumFeatures = {channels + 1}");
            return "FN0103";
        }),
        ("size not positive", (m, s, t) => Rebuild(m, s, t, c =>
        {
            int bad = t.Pick(new[] { 0, -1, -3, int.MinValue });
            return t.Next(4) switch
            {
                0 when c.Conv is { } conv => c with { Conv = conv with { OutChannels = bad } },
                1 when c.Conv is { } conv => c with { Conv = conv with { Stride = bad } },
                2 when c.Conv is { } conv => c with { Conv = conv with { Kernel = bad, KernelSizes = null } },
                3 when c.Conv is { } conv => c with { Conv = conv with { Dilation = bad } },
                _ when c.Linear is { } linear => c with { Linear = linear with { OutFeatures = bad } },
                _ => null,
            };
        }) ? "FN0104" : null),
        ("negative padding", (m, s, t) => Rebuild(m, s, t, c => c.Conv is { } conv ? c with { Conv = conv with { Padding = -1 - t.Next(3), Paddings = null } } : null) ? "FN0104" : null),
        ("conv after a Linear", (m, s, t) =>
        {
            if (m.Chains[^1].OutShape.Length != 1) return null;
            s.Methods.Add((new List<string> { "Fuse(Layer.Conv2d)", "Conv2d(4, KernelSize = 1, Name = \"late\")" }, "partial void Late(ReadOnlySpan<float> x, Span<float> y, int batch);"));
            return "FN0105";
        }),
        ("invalid model input", (m, s, t) =>
        {
            s.ModelAttribute = t.Pick(new[] { "[Model]", "[Model(0)]", "[Model(3, -8, 8)]", "[Model(1, 2, 3, 4, 5)]", "[Model(3, 0, 8)]" });
            return "FN0106";
        }),
        ("groups do not divide the channels", (m, s, t) =>
        {
            int i = t.Next(m.Chains.Count);
            FuzzChain c = m.Chains[i];
            if (c.Norm is { Kind: Layer.GroupNorm } n && t.OneIn(2))
            {
                int channels = c.Conv?.OutChannels ?? c.Linear!.OutFeatures;
                return Rebuild(m, s, i, c with { Norm = n with { Groups = channels + 1 } }) ? "FN0107" : null;
            }
            if (c.Conv is not { } conv) return null;
            int g = c.InShape[0] + 1; // never divides the input channels
            return Rebuild(m, s, i, c with { Conv = conv with { Groups = g, OutChannels = g } }) ? "FN0107" : null;
        }),
        ("LayerNorm shape disagrees", (m, s, t) =>
        {
            int i = ChainWhere(m, t, c => c.Norm is { Kind: Layer.LayerNorm });
            if (i < 0) return null;
            FuzzNorm n = m.Chains[i].Norm!;
            int[] shape = n.Shape!;
            int[] wrong = (int[])shape.Clone();
            wrong[t.Next(wrong.Length)] += 1 + t.Next(2);
            return Rebuild(m, s, i, m.Chains[i] with { Norm = n with { Shape = wrong } }) ? "FN0108" : null;
        }),
        ("skip without add", (m, s, t) => { EditAttribute(s, t, 0, a => a.TrimEnd(')') + ", Skip = Graph.Input)"); return "FN0018"; }),
        ("unknown input source", (m, s, t) => { EditAttribute(s, t, 0, a => a.TrimEnd(')') + ", Input = \"Nowhere\")"); return "FN0016"; }),
        ("input from a later chain", (m, s, t) =>
        {
            if (m.Chains.Count < 2) return null;
            s.Methods[0].Attributes[0] = s.Methods[0].Attributes[0].TrimEnd(')') + $", Input = nameof({m.Chains[^1].Method}))";
            return "FN0017";
        }),
        ("member named like a generated one", (m, s, t) =>
        {
            s.Extra = t.Pick(new[] { "    public int InputSize => 1;\n", "    public void Forward(ReadOnlySpan<float> x, Span<float> y, int batch) { }\n", "    public bool IsLoaded;\n" });
            return "FN0020";
        }),
        ("huge sizes", (m, s, t) =>
        {
            if (t.OneIn(2))
            {
                s.ModelAttribute = m.Input.Length == 1 ? "[Model(2000000000)]" : $"[Model({m.Input[0]}, {string.Join(", ", m.Input.Skip(1).Select(_ => "300000000"))})]";
                return "FN0106"; // the model input itself: an invalid input shape
            }
            return Rebuild(m, s, t, c => c.Conv is { } conv ? c with { Conv = conv with { OutChannels = conv.Groups * ((1 << 28) / conv.Groups + 1) } /* > 2^28 out channels, a multiple of the groups, no int overflow */ } : c with { Linear = c.Linear! with { OutFeatures = int.MaxValue } }) ? "FN0109" : null;
        }),
    };

    private static void EditMethod(FuzzSource s, Tape t, Func<string, string> edit)
    {
        int i = t.Next(s.Methods.Count);
        s.Methods[i] = (s.Methods[i].Attributes, edit(s.Methods[i].Declaration));
    }

    private static void EditMethodAt(FuzzSource s, Tape t, Action<List<string>, string> edit)
    {
        int i = t.Next(s.Methods.Count);
        edit(s.Methods[i].Attributes, s.Methods[i].Declaration);
    }

    private static void EditAttribute(FuzzSource s, Tape t, int index, Func<string, string> edit)
    {
        int i = t.Next(s.Methods.Count);
        s.Methods[i].Attributes[index] = edit(s.Methods[i].Attributes[index]);
    }

    private static string InsertAfterLayers(string fuse, string layers)
    {
        int end = fuse.IndexOf(", TrainingForward", StringComparison.Ordinal);
        if (end < 0) end = fuse.Length - 1;
        return fuse.Substring(0, end) + ", " + layers + fuse.Substring(end);
    }

    private static string AddArgument(string attribute, string argument) =>
        attribute.EndsWith("()") ? attribute.Substring(0, attribute.Length - 1) + argument + ")" : attribute.Substring(0, attribute.Length - 1) + ", " + argument + ")";

    private static int[] ConvOutput(FuzzChain c)
    {
        return c.Conv!.Output(c.ConvDims());
    }

    /// <summary>Replaces one chain by an edited copy and re-renders its attributes; false when the edit does not apply.</summary>
    private static bool Rebuild(FuzzModel m, FuzzSource s, Tape t, Func<FuzzChain, FuzzChain?> edit)
    {
        int start = t.Next(m.Chains.Count);
        for (int k = 0; k < m.Chains.Count; k++) // the first chain, from a random one on, that the edit applies to
        {
            int i = (start + k) % m.Chains.Count;
            if (edit(m.Chains[i]) is { } edited) return Rebuild(m, s, i, edited);
        }
        return false;
    }

    /// <summary>A random chain among those that match, or -1.</summary>
    private static int ChainWhere(FuzzModel m, Tape t, Func<FuzzChain, bool> match)
    {
        int start = t.Next(m.Chains.Count);
        for (int k = 0; k < m.Chains.Count; k++)
            if (match(m.Chains[(start + k) % m.Chains.Count])) return (start + k) % m.Chains.Count;
        return -1;
    }

    private static bool Rebuild(FuzzModel m, FuzzSource s, int i, FuzzChain edited)
    {
        var chains = m.Chains.ToList();
        chains[i] = edited;
        s.Methods[i] = new FuzzSource(m with { Chains = chains }).Methods[i];
        return true;
    }

    public sealed record Declaration(string Source, string? MutationName, string? ExpectedId, bool SyntaxError)
    {
        public override string ToString() => $"mutation: {MutationName ?? "none"}, expects {ExpectedId ?? "no diagnostic"}\n{Source}";
    }

    private static readonly Gen<Declaration> Declarations =
        Gen.Select(Gen.UInt.Array[0, 48], Gen.Int[0, Mutations.Length + 8], Gen.Int[0, 4], (tape, mutation, syntax) =>
        {
            var t = new Tape(tape);
            FuzzModel model = FuzzModel.Build(t);
            var source = new FuzzSource(model);
            bool merge = t.OneIn(3);
            string? name = null, expected = null;
            if (mutation < Mutations.Length) // the rest (8 of 38): no mutation, a valid model
            {
                expected = Mutations[mutation].Apply(model, source, t);
                name = expected is null ? null : Mutations[mutation].Name;
                if (expected is null) source = new FuzzSource(model); // the mutation did not apply: keep the model valid
            }
            // Cosmetic variations after the mutation, which edits methods by chain index.
            if (t.OneIn(5)) source.OuterType ??= "public static partial class Outer";
            if (t.OneIn(4)) source.Extra += "    // a hand-written member beside the chains\n    public int Helper() => 42;\n";
            if (merge && expected is null && source.Methods.Count > 1) source.TryMerge(model, t.Next(model.Chains.Count)); // two kernels, FN0202
            else if (expected is null && t.Next(2) == 0) source.MakeGraph(model, t); // as a graph: Input, Skip + Add, Concat
            string text = source.ToString();
            bool broken = syntax == 4 && tape.Length > 0; // one in five: damage the text
            if (broken)
            {
                int at = (int)(tape[0] % (uint)text.Length);
                text = (tape[^1] % 3) switch
                {
                    0 => text.Substring(0, at), // truncated file
                    1 => text.Substring(0, at) + "{ ( ] #" + text.Substring(at), // junk tokens
                    _ => text.Remove(at, Math.Min(7, text.Length - at)), // a few characters deleted
                };
            }
            return new Declaration(text, broken ? "syntax error" : name, broken ? null : expected, broken);
        });

    [Fact]
    public void Ten_thousand_random_declarations_never_throw_and_every_invalid_one_gets_a_diagnostic()
    {
        var counts = new ConcurrentDictionary<string, int>();
        Declarations.Sample(declaration =>
        {
            GeneratorHarness.Run run = GeneratorHarness.RunGenerator(declaration.Source); // throws if the generator threw
            var fn = run.GeneratorDiagnostics.Where(d => d.Id.StartsWith("FN", StringComparison.Ordinal)).ToList();
            if (fn.Any(d => d.Id == "FN0099"))
                throw new XunitException("A generator stage failed (FN0099): " + fn.First(d => d.Id == "FN0099").GetMessage());

            if (declaration.SyntaxError)
            {
                // The compiler reports the syntax error; the generator must only stay quiet or report FN diagnostics.
                if (run.CompileErrors.Length == 0 && !fn.Any() && !run.Output.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error))
                {
                    // Deleting whitespace or a comment can leave a valid file; then it must generate cleanly.
                    AssertValidOutput(run);
                }
                counts.AddOrUpdate("syntax error", 1, (_, n) => n + 1);
            }
            else if (declaration.ExpectedId is { } id)
            {
                if (!fn.Any(d => d.Id == id))
                    throw new XunitException($"Expected {id}, got [{string.Join(", ", fn.Select(d => d.Id))}]; compiler: {string.Join("; ", run.CompileErrors.Take(3))}");
                counts.AddOrUpdate(declaration.MutationName!, 1, (_, n) => n + 1);
            }
            else
            {
                // A valid model may still run slower than it could: the FusedNorm.Performance diagnostics (FN02xx) are allowed.
                var unexpected = fn.Where(d => d.Severity != DiagnosticSeverity.Info && d.Descriptor.Category != "FusedNorm.Performance").ToList();
                if (unexpected.Count > 0)
                    throw new XunitException("A valid model got " + string.Join("; ", unexpected.Select(d => $"{d.Id}: {d.GetMessage()}")));
                AssertValidOutput(run);
                counts.AddOrUpdate("valid", 1, (_, n) => n + 1);
                if (fn.Any(d => d.Id == "FN0202")) counts.AddOrUpdate(Split, 1, (_, n) => n + 1);
                if (declaration.Source.Contains("Concat = new[]", StringComparison.Ordinal)) counts.AddOrUpdate(Concatenated, 1, (_, n) => n + 1);
            }
        }, iter: Iterations, seed: Environment.GetEnvironmentVariable("FUZZ_SEED"));

        int total = counts.Where(p => p.Key != Split && p.Key != Concatenated).Sum(p => p.Value);
        _output.WriteLine($"{total} declarations: " + string.Join(", ", counts.OrderByDescending(p => p.Value).Select(p => $"{p.Key} {p.Value}")));
        Console.WriteLine($"[generator fuzz] {total} declarations, {counts.GetValueOrDefault("valid")} valid, {total - counts.GetValueOrDefault("valid") - counts.GetValueOrDefault("syntax error")} invalid, {counts.GetValueOrDefault("syntax error")} with syntax errors");
        Assert.Equal(Iterations, total);
        if (Iterations < 10_000) return; // a debugging run: the coverage floors below are for the full run
        Assert.True(counts.GetValueOrDefault("valid") >= 1_000, "too few valid models: " + counts.GetValueOrDefault("valid"));
        Assert.True(counts.GetValueOrDefault(Split) >= 50, "too few split chains: " + counts.GetValueOrDefault(Split));
        Assert.True(counts.GetValueOrDefault(Concatenated) >= 50, "too few valid models with a Concat: " + counts.GetValueOrDefault(Concatenated));
        // The rarest mutations (those that need a LayerNorm chain, or a norm at all) land about 35 times in
        // 10,000; a floor of 10 is some 4 standard deviations below that, so it fails on a mutation that stopped
        // applying, not on an unlucky seed (a floor of 20 failed once in 7 runs: the pool mutation, then rarer, at 17).
        foreach (var (name, _) in Mutations)
            Assert.True(counts.GetValueOrDefault(name) >= 10, $"mutation '{name}' ran only {counts.GetValueOrDefault(name)} times");
    }

    [Fact]
    [Trait("Category", "Numeric")]
    public void Valid_random_models_match_the_reference_on_random_data()
    {
        int checkedModels = 0;
        Gen.Select(Gen.UInt.Array[0, 48], Gen.Int[1, 3], Gen.Int).Sample((tape, batch, seed) =>
        {
            var t = new Tape(tape);
            FuzzModel model = FuzzModel.Build(t);
            var declaration = new FuzzSource(model);
            if (t.OneIn(3)) declaration.TryMerge(model, t.Next(model.Chains.Count)); // the same model with two chains in one [Fuse] list
            string source = declaration.ToString();
            var random = new Random(seed);
            var weights = new FuzzWeights(model, random);
            CompiledModel compiled = CompiledModel.Compile(source, model.FullName);
            compiled.LoadWeights(SafeTensorsFile.FromBytes(weights.Writer.ToArray()));
            // Batch statistics over a single value per channel are degenerate (PyTorch refuses them); use two samples.
            if (model.Chains.Any(c => c.Norm is { Track: false, Kind: Layer.BatchNorm1d } && c.OutShape.Length == 1)) batch = Math.Max(batch, 2);
            float[] x = Enumerable.Range(0, batch * compiled.InputSize).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
            Tolerance.AssertClose(weights.Reference(model, x, batch), compiled.Forward(x, batch), source);
            Interlocked.Increment(ref checkedModels);
        }, iter: 60, threads: 1, seed: Environment.GetEnvironmentVariable("FUZZ_SEED"));
        _output.WriteLine($"{checkedModels} random valid models matched the reference");
        Assert.Equal(60, checkedModels);
    }

    private static void AssertValidOutput(GeneratorHarness.Run run)
    {
        var problems = run.Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        if (problems.Count > 0)
            throw new XunitException("The generated model does not compile cleanly:\n" + string.Join("\n", problems.Take(5)));
    }
}
