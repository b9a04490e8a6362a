using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using FusedNorm.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace FusedNorm.Tests.Packaging;

/// <summary>
/// The FusedNorm package as a user gets it: packed, restored from a local folder into a fresh console project,
/// built (the generator runs from analyzers/dotnet/cs) and run.
/// </summary>
public class PackageTests(ITestOutputHelper output)
{
    private const string Program = """
        using System;
        using FusedNorm;

        var writer = new SafeTensorsWriter();
        var random = new Random(7);
        float[] Random(int n) { var a = new float[n]; for (int i = 0; i < n; i++) a[i] = (float)(random.NextDouble() * 2 - 1); return a; }
        float[] weight = Random(8 * 3 * 3 * 3), bias = Random(8), gamma = Random(8), beta = Random(8), mean = Random(8), variance = new float[8];
        for (int i = 0; i < 8; i++) variance[i] = 0.5f + i * 0.1f;
        writer.Add("conv.weight", weight, 8, 3, 3, 3); writer.Add("conv.bias", bias, 8);
        writer.Add("bn.weight", gamma, 8); writer.Add("bn.bias", beta, 8);
        writer.Add("bn.running_mean", mean, 8); writer.Add("bn.running_var", variance, 8);

        var net = new Smoke.Net();
        net.LoadWeights(SafeTensorsFile.FromBytes(writer.ToArray()));
        float[] x = Random(2 * Smoke.Net.InputSize), y = new float[2 * Smoke.Net.OutputSize];
        net.Forward(x, y, 2);

        float[] expected = Reference.Conv2d(x, 2, 3, 12, 12, weight, bias, 8, 3, 3, 1, 1, 1, 1, 1, 1);
        expected = Reference.BatchNormEval(expected, 2, 8, 144, gamma, beta, mean, variance, 1e-5);
        expected = Reference.Activation(expected, Layer.ReLU);
        double largest = 0;
        for (int i = 0; i < y.Length; i++) largest = Math.Max(largest, Math.Abs(y[i] - expected[i]));
        Console.WriteLine($"package smoke test: largest difference {largest:E2}");
        return largest <= 1e-4 ? 0 : 1;

        namespace Smoke
        {
            [Model(3, 12, 12)]
            public sealed partial class Net
            {
                [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)]
                [Conv2d(8, KernelSize = 3, Padding = 1, Name = "conv")]
                [BatchNorm(Name = "bn")]
                public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
            }

            // Two chains on the scalar path (5 outputs < one Vector256): FN0201, a warning (also set in the
            // project's .editorconfig); the second is silenced with #pragma, as a user would.
            [Model(4)]
            public sealed partial class Small
            {
                [Fuse(Layer.Linear)] [Linear(5, Name = "a")]
                public partial void Loud(ReadOnlySpan<float> x, Span<float> y, int batch);
            }

            [Model(4)]
            public sealed partial class Quiet
            {
        #pragma warning disable FN0201 // five outputs on purpose
                [Fuse(Layer.Linear)] [Linear(5, Name = "b")]
                public partial void Hushed(ReadOnlySpan<float> x, Span<float> y, int batch);
        #pragma warning restore FN0201
            }
        }
        """;

    [Fact]
    [Trait("Category", "Packaging")]
    public void Packed_package_builds_and_runs_in_a_fresh_project()
    {
        string root = SampleModels.RepositoryRoot;
        string work = Path.Combine(Path.GetTempPath(), "fusednorm-package-" + Guid.NewGuid().ToString("N"));
        string feed = Path.Combine(work, "feed"), project = Path.Combine(work, "app"), packages = Path.Combine(work, "packages");
        Directory.CreateDirectory(project);
        try
        {
            // A version of its own, so no package cache can hand back an older build.
            string version = "0.0.0-test" + DateTime.UtcNow.ToString("yyyyMMddHHmmss");
            Run(root, "dotnet", $"pack Runtime/Runtime.csproj -c Release -o \"{feed}\" -p:Version={version}");
            Assert.Single(Directory.GetFiles(feed, "FusedNorm.*.nupkg"));

            File.WriteAllText(Path.Combine(project, "app.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <RestorePackagesPath>{packages}</RestorePackagesPath>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="FusedNorm" Version="{version}" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(project, "Program.cs"), Program);
            // The local feed is added to the machine's own NuGet configuration, not put in its place.
            File.WriteAllText(Path.Combine(project, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <add key="fusednorm-local" value="{feed}" />
                  </packageSources>
                </configuration>
                """);

            File.WriteAllText(Path.Combine(project, ".editorconfig"), "root = true\n\n[*.cs]\ndotnet_diagnostic.FN0201.severity = warning\n");

            // The generator's diagnostics obey .editorconfig severities and #pragma like the compiler's own.
            string build = Run(project, "dotnet", "build -c Release");
            Assert.Contains("warning FN0201: Chain 'Loud' runs on the scalar path", build);
            Assert.DoesNotContain("Chain 'Hushed'", build);

            string result = Run(project, "dotnet", "run -c Release --no-build");
            Assert.Contains("package smoke test: largest difference", result);
            string analyzers = Path.Combine(packages, "fusednorm", version, "analyzers", "dotnet", "cs");
            Assert.True(File.Exists(Path.Combine(analyzers, "FusedNorm.Generator.dll")));
            Assert.True(File.Exists(Path.Combine(analyzers, "FusedNorm.CodeFixes.dll")));
            // The docs the help links point to travel with the package.
            Assert.True(File.Exists(Path.Combine(packages, "fusednorm", version, "docs", "diagnostics.md")));
            // The command-line compiler loads every assembly in that folder; the code fixes' must not trouble it
            // (CS8032: an analyzer could not be created; CS8034: an analyzer assembly could not be loaded).
            Assert.DoesNotContain("CS8032", build);
            Assert.DoesNotContain("CS8034", build);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    private string Run(string directory, string file, string arguments)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // The test host's MSBuild settings must not leak into the child builds.
        foreach (string key in new[] { "MSBuildExtensionsPath", "MSBUILD_EXE_PATH", "MSBuildSDKsPath", "MSBuildLoadMicrosoftTargetsReadOnly" })
            start.Environment.Remove(key);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        bool exited = process.WaitForExit(TimeSpan.FromMinutes(5));
        if (!exited) { process.Kill(entireProcessTree: true); Assert.Fail($"'{file} {arguments}' did not finish in 5 minutes."); }
        string text = stdout.Result + stderr.Result;
        output.WriteLine($"$ {file} {arguments}\n{text}");
        Assert.True(process.ExitCode == 0, $"'{file} {arguments}' in {directory} exited {process.ExitCode}:\n{text}");
        return text;
    }
}
