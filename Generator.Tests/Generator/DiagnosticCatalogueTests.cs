using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using FusedNorm.Generator.Diagnostics;
using FusedNorm.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace FusedNorm.Tests.Generator;

/// <summary>
/// Every descriptor is documented, released and tested: a section of docs/diagnostics.md that its help link points
/// to (with a wrong and a right declaration and how to silence it, sections in ID order), a line in AnalyzerReleases.Unshipped.md with its severity, and at least one test named after its ID.
/// </summary>
public class DiagnosticCatalogueTests
{
    public static TheoryData<string> Ids => new(Descriptors().Select(d => d.Id));

    private static DiagnosticDescriptor[] Descriptors() =>
        typeof(DiagnosticDescriptors).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
            .OrderBy(d => d.Id)
            .ToArray();

    private static DiagnosticDescriptor Get(string id) => Descriptors().Single(d => d.Id == id);

    [Fact]
    public void IDs_are_unique_and_in_their_block()
    {
        var descriptors = Descriptors();
        Assert.Equal(descriptors.Length, descriptors.Select(d => d.Id).Distinct().Count());
        foreach (var d in descriptors)
        {
            string expectedCategory = d.Id[3] switch { '0' => "FusedNorm.Usage", '1' => "FusedNorm.Shape", _ => "FusedNorm.Performance" };
            Assert.True(d.Category == expectedCategory, $"{d.Id} is in {d.Category}, its block is {expectedCategory}");
            Assert.True(d.Id[3] != '2' || d.DefaultSeverity is DiagnosticSeverity.Info or DiagnosticSeverity.Warning, $"{d.Id}: FN02xx fallbacks are a warning or info");
        }
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Has_a_help_link_to_its_documented_section(string id)
    {
        DiagnosticDescriptor d = Get(id);
        // An absolute link an IDE can open: the published docs/diagnostics.md, at this ID's anchor.
        Assert.StartsWith("https://", d.HelpLinkUri);
        Assert.Equal(DiagnosticDescriptors.DocsUrl + "diagnostics.md#" + id.ToLowerInvariant(), d.HelpLinkUri);
        Assert.EndsWith("/blob/main/docs/", DiagnosticDescriptors.DocsUrl);
        string docs = File.ReadAllText(Path.Combine(SampleModels.RepositoryRoot, "docs", "diagnostics.md"));
        Match section = Regex.Match(docs, $@"<a id=""{id.ToLowerInvariant()}""></a>\*\*{id} — ([^*]+)\*\*");
        Assert.True(section.Success, $"docs/diagnostics.md has no section for {id}");
        Assert.False(string.IsNullOrWhiteSpace(d.Title.ToString()));
        Assert.False(string.IsNullOrWhiteSpace(d.MessageFormat.ToString()));
    }

    private static string Docs() => File.ReadAllText(Path.Combine(SampleModels.RepositoryRoot, "docs", "diagnostics.md"));

    /// <summary>The text of an ID's entry: from its anchor to the next anchor (or the end of the page).</summary>
    private static string Section(string docs, string id)
    {
        string anchor = $"<a id=\"{id.ToLowerInvariant()}\"></a>";
        int start = docs.IndexOf(anchor, System.StringComparison.Ordinal);
        Assert.True(start >= 0, $"docs/diagnostics.md has no anchor for {id}");
        int next = docs.IndexOf("<a id=", start + anchor.Length, System.StringComparison.Ordinal);
        return docs[start..(next < 0 ? docs.Length : next)];
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Its_section_shows_a_wrong_and_a_right_declaration_and_how_to_silence_it(string id)
    {
        // FN0099 is a bug in FusedNorm, not a mistake in the user's code: its entry says what to report instead.
        if (id == "FN0099") return;
        string section = Section(Docs(), id);
        foreach (string label in new[] { "**Wrong:**", "**Right:**" })
            Assert.True(Regex.IsMatch(section, Regex.Escape(label) + @"\s*```csharp\n[^`]*\S[^`]*\n```"),
                $"the docs/diagnostics.md entry of {id} has no {label} followed by a ```csharp block");
        Assert.True(section.Contains("**Silence:**"), $"the docs/diagnostics.md entry of {id} does not say how to silence it (**Silence:**)");
    }

    [Fact]
    public void The_sections_are_in_ascending_ID_order()
    {
        var anchors = Regex.Matches(Docs(), @"<a id=""(fn\d{4})""></a>").Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(anchors);
        Assert.Equal(anchors.OrderBy(a => a, System.StringComparer.Ordinal), anchors);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Is_in_the_analyzer_release_file_with_its_severity(string id)
    {
        DiagnosticDescriptor d = Get(id);
        string releases = File.ReadAllText(Path.Combine(SampleModels.RepositoryRoot, "Generator", "AnalyzerReleases.Unshipped.md"))
            + File.ReadAllText(Path.Combine(SampleModels.RepositoryRoot, "Generator", "AnalyzerReleases.Shipped.md"));
        Assert.Matches($@"(?m)^{id} \| {Regex.Escape(d.Category)} \| {d.DefaultSeverity} \|", releases);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Has_a_test_named_after_it(string id)
    {
        var tests = typeof(DiagnosticCatalogueTests).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods())
            .Where(m => m.GetCustomAttributes<FactAttribute>().Any() && m.Name.StartsWith(id + "_"))
            .ToList();
        Assert.True(tests.Count > 0, $"no test method is named {id}_…");
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Only_errors_stop_generation_and_the_rest_can_be_silenced(string id)
    {
        DiagnosticDescriptor d = Get(id);
        Assert.True(d.IsEnabledByDefault);
        // Warnings and infos are suppressible with #pragma or .editorconfig; the package test checks a #pragma on FN0201.
        Assert.DoesNotContain(WellKnownDiagnosticTags.NotConfigurable, d.CustomTags);
    }
}
