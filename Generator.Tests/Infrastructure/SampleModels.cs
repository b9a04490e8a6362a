using System.IO;

namespace FusedNorm.Tests.Infrastructure;

public static class SampleModels
{
    /// <summary>The Sample's LeNet-BN model source, read from the Sample project so the tests cover exactly what it ships.</summary>
    public static string LeNetBn => File.ReadAllText(Path.Combine(RepositoryRoot, "Sample", "LeNetBn.cs"));

    public static string RepositoryRoot => Path.GetDirectoryName(Snapshot.ProjectDirectory())!;
}
