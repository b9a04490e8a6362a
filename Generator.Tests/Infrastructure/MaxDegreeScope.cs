using System;
using FusedNorm.Kernels;

namespace FusedNorm.Tests.Infrastructure;

/// <summary>
/// Saves Parallelism.MaxDegree and restores it on Dispose, so a test may set it freely in between
/// (<c>using var restore = new MaxDegreeScope();</c>). Tests that use it belong to the MaxDegree collection.
/// </summary>
public sealed class MaxDegreeScope : IDisposable
{
    private readonly int _saved = Parallelism.MaxDegree;

    public void Dispose() => Parallelism.MaxDegree = _saved;
}
