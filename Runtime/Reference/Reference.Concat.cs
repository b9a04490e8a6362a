namespace FusedNorm;

public static partial class Reference
{
    /// <summary>
    /// torch.cat(tensors, dim=1) of batch-major tensors: <paramref name="parts"/> are (data, floats per sample), each
    /// data holding <paramref name="n"/> samples; sample k of the result is sample k of each part, one after another.
    /// </summary>
    public static float[] Concat(int n, params (float[] Data, int SampleSize)[] parts)
    {
        int size = 0;
        foreach (var part in parts)
        {
            Check(part.Data, n * part.SampleSize, "part", $"[{n}, {part.SampleSize}]");
            size += part.SampleSize;
        }
        var y = new float[n * size];
        for (int sample = 0; sample < n; sample++)
        {
            int offset = sample * size;
            foreach (var part in parts)
            {
                System.Array.Copy(part.Data, sample * part.SampleSize, y, offset, part.SampleSize);
                offset += part.SampleSize;
            }
        }
        return y;
    }
}
