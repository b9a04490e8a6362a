using System;
using System.Collections.Generic;
using System.Linq;

namespace FusedNorm;

/// <summary>
/// Ranks a file's tensor names by how likely each is the one a missing name meant, for "did you mean" messages.
/// First by the number of trailing dotted segments shared with the requested name, so that a name differing by a
/// prefix (<c>model.</c>, <c>module.</c>, a missing <c>layer1.0.</c>) ranks first; then by the edit distance of
/// the whole names, which catches typos (<c>wieght</c>, <c>bn2</c> for <c>bn1</c>); then by name.
/// </summary>
internal static class TensorNameSimilarity
{
    public static string[] Closest(string requested, IEnumerable<string> names, int count)
    {
        string[] requestedSegments = requested.Split('.');
        return names
            .Select(name => (Name: name, Shared: SharedTrailingSegments(requestedSegments, name.Split('.')), Distance: EditDistance(requested, name)))
            .OrderByDescending(c => c.Shared).ThenBy(c => c.Distance).ThenBy(c => c.Name, StringComparer.Ordinal)
            .Take(count)
            .Select(c => c.Name)
            .ToArray();
    }

    /// <summary>How many dotted segments, counted from the end, are equal: 2 for <c>bn1.weight</c> and <c>layer1.0.bn1.weight</c>.</summary>
    private static int SharedTrailingSegments(string[] a, string[] b)
    {
        int shared = 0;
        while (shared < a.Length && shared < b.Length && a[a.Length - 1 - shared] == b[b.Length - 1 - shared]) shared++;
        return shared;
    }

    /// <summary>Levenshtein distance: single-character insertions, deletions and substitutions; one row at a time.</summary>
    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitute = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitute, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
