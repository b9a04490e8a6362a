using System.Globalization;

namespace FusedNorm.Sample;

/// <summary>How the Sample prints its numbers.</summary>
internal static class Format
{
    /// <summary>A small difference as people write it: 9.5e-6, not .NET's 9.54E-006.</summary>
    public static string Small(double value) => value == 0 ? "0" : value.ToString("0.0e-0", CultureInfo.InvariantCulture);
}
