using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;
using Xunit.Sdk;

namespace FusedNorm.Tests.Infrastructure;

/// <summary>
/// Snapshot files with Verify's conventions: Snapshots/{name}.verified.cs is the accepted text; a mismatch writes
/// {name}.received.cs beside it and fails with a line diff. UPDATE_SNAPSHOTS=1 accepts the received text.
/// </summary>
public static class Snapshot
{
    public static void Verify(string name, string actual, [CallerFilePath] string callerPath = "")
    {
        string directory = Path.Combine(ProjectDirectory(callerPath), "Snapshots");
        Directory.CreateDirectory(directory);
        string verifiedPath = Path.Combine(directory, name + ".verified.cs");
        string receivedPath = Path.Combine(directory, name + ".received.cs");
        actual = Normalize(actual);

        if (Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1")
        {
            File.WriteAllText(verifiedPath, actual, new UTF8Encoding(false));
            if (File.Exists(receivedPath)) File.Delete(receivedPath);
            return;
        }

        string? expected = File.Exists(verifiedPath) ? Normalize(File.ReadAllText(verifiedPath)) : null;
        if (expected == actual)
        {
            if (File.Exists(receivedPath)) File.Delete(receivedPath);
            return;
        }

        File.WriteAllText(receivedPath, actual, new UTF8Encoding(false));
        if (expected is null)
            throw new XunitException($"No snapshot {verifiedPath} yet. Read {receivedPath}; run with UPDATE_SNAPSHOTS=1 to accept it.");
        throw new XunitException($"Snapshot {name} differs from {verifiedPath} (received text in {receivedPath}; UPDATE_SNAPSHOTS=1 accepts it):\n" + Diff(expected, actual));
    }

    private static string Diff(string expected, string actual)
    {
        DiffPaneModel model = InlineDiffBuilder.Diff(expected, actual);
        var text = new StringBuilder();
        int shown = 0;
        for (int i = 0; i < model.Lines.Count && shown < 60; i++)
        {
            DiffPiece line = model.Lines[i];
            if (line.Type == ChangeType.Unchanged) continue;
            text.Append(line.Type == ChangeType.Inserted ? "+ " : line.Type == ChangeType.Deleted ? "- " : "  ")
                .Append(line.Position?.ToString() ?? "").Append(": ").AppendLine(line.Text);
            shown++;
        }
        return text.ToString();
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n").TrimStart('\uFEFF');

    /// <summary>The test project's source folder (snapshots live with the sources, not in bin/).</summary>
    public static string ProjectDirectory([CallerFilePath] string callerPath = "")
    {
        // The compiler records the source path; if the build mapped it away, search up from the test binaries.
        foreach (string? start in new[] { Path.GetDirectoryName(callerPath), AppContext.BaseDirectory })
        {
            string? directory = start;
            while (directory is not null && !File.Exists(Path.Combine(directory, "Generator.Tests.csproj")))
                directory = Path.GetDirectoryName(directory);
            if (directory is not null) return directory;
        }
        throw new InvalidOperationException("Generator.Tests.csproj not found above " + callerPath + " or " + AppContext.BaseDirectory);
    }
}
