using System;

namespace FusedNorm;

/// <summary>A tensor the model needs is missing from the weights file, or has the wrong shape or dtype.</summary>
public class WeightLoadException : Exception
{
    /// <summary>A failure to load <paramref name="tensorName"/>, with a message that says what was expected.</summary>
    public WeightLoadException(string tensorName, string message) : base(message) => TensorName = tensorName;

    /// <summary>The state_dict key of the tensor, e.g. <c>bn1.running_mean</c>.</summary>
    public string TensorName { get; }
}
