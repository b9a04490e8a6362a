using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using FusedNorm.Tests.Infrastructure;
using Xunit;

namespace FusedNorm.Tests.Generator;

/// <summary>The README's model examples are code a user will paste: they must generate and compile.</summary>
public class ReadmeTests
{
    [Fact]
    public void Every_model_example_in_the_README_generates_and_compiles()
    {
        string readme = File.ReadAllText(Path.Combine(SampleModels.RepositoryRoot, "README.md"));
        var blocks = Regex.Matches(readme, "```csharp\n(.*?)```", RegexOptions.Singleline)
            .Select(m => m.Groups[1].Value)
            .Where(code => code.Contains("[Model(") && !code.Contains("// ..."))
            .ToList();
        Assert.NotEmpty(blocks);
        foreach (string code in blocks)
        {
            var run = GeneratorHarness.RunGenerator("using System;\nusing FusedNorm;\nnamespace Readme;\n" + code);
            Assert.Empty(run.GeneratorDiagnostics.Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
            Assert.Empty(run.CompileErrors);
        }
    }
}
