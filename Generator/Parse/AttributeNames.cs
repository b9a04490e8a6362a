namespace FusedNorm.Generator.Parse;

/// <summary>Metadata names of the Runtime's attributes. The generator never loads the Runtime assembly.</summary>
internal static class AttributeNames
{
    public const string Model = "FusedNorm.ModelAttribute";
    public const string Fuse = "FusedNorm.FuseAttribute";
    public const string Conv1d = "FusedNorm.Conv1dAttribute";
    public const string Conv2d = "FusedNorm.Conv2dAttribute";
    public const string Conv3d = "FusedNorm.Conv3dAttribute";
    public const string InstanceNorm = "FusedNorm.InstanceNormAttribute";
    public const string GroupNorm = "FusedNorm.GroupNormAttribute";
    public const string LayerNorm = "FusedNorm.LayerNormAttribute";
    public const string MaxPool1d = "FusedNorm.MaxPool1dAttribute";
    public const string MaxPool3d = "FusedNorm.MaxPool3dAttribute";
    public const string AvgPool1d = "FusedNorm.AvgPool1dAttribute";
    public const string AvgPool3d = "FusedNorm.AvgPool3dAttribute";
    public const string Linear = "FusedNorm.LinearAttribute";
    public const string BatchNorm = "FusedNorm.BatchNormAttribute";
    public const string MaxPool2d = "FusedNorm.MaxPool2dAttribute";
    public const string AvgPool2d = "FusedNorm.AvgPool2dAttribute";
    public const string LeakyReLU = "FusedNorm.LeakyReLUAttribute";
    public const string ELU = "FusedNorm.ELUAttribute";
    public const string GELU = "FusedNorm.GELUAttribute";
}
