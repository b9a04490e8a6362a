namespace FusedNorm.Generator.Parse;

/// <summary>Metadata names of the Runtime's attributes. The generator never loads the Runtime assembly.</summary>
internal static class AttributeNames
{
    public const string Model = "FusedNorm.ModelAttribute";
    public const string Fuse = "FusedNorm.FuseAttribute";
    public const string Conv2d = "FusedNorm.Conv2dAttribute";
    public const string Linear = "FusedNorm.LinearAttribute";
    public const string BatchNorm = "FusedNorm.BatchNormAttribute";
    public const string MaxPool2d = "FusedNorm.MaxPool2dAttribute";
    public const string AvgPool2d = "FusedNorm.AvgPool2dAttribute";
    public const string LeakyReLU = "FusedNorm.LeakyReLUAttribute";
    public const string ELU = "FusedNorm.ELUAttribute";
    public const string GELU = "FusedNorm.GELUAttribute";
}
