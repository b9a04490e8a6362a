using System;
using System.IO;
using GoldenGen;

// Writes the goldens the tests read and the Sample's weights, with libtorch (PyTorch's own kernels).
//   dotnet run --project tools/GoldenGen -c Release [-- chains|nonfinite|lenet|blocks|resnet|resnet50|sizerules|mobilenet|concat|convtranspose|unet|style|prologue|preact|standalone|tuples|tuplesizerules|winograd]
ElfVersionPatch.PatchBuildOutput(); // before the first torch call loads the native library

string root = Directory.GetCurrentDirectory();
while (!File.Exists(Path.Combine(root, "FusedNorm.sln")))
    root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("Run this from inside the FusedNorm repository.");

string what = args.Length > 0 ? args[0] : "all";
if (what is "all" or "chains") ChainGoldens.Write(Path.Combine(root, "Generator.Tests", "Goldens"));
if (what is "all" or "nonfinite") ChainGoldens.WriteNonFinite(Path.Combine(root, "Generator.Tests", "Goldens"));
if (what is "all" or "lenet") LeNetTraining.TrainAndWrite(Path.Combine(root, "Sample", "weights"));
if (what is "all" or "blocks") SampleBlocks.Write(Path.Combine(root, "Sample", "weights"));
if (what is "all" or "resnet") ResNetGolden.Write(Path.Combine(root, "Generator.Tests", "Goldens"));
if (what is "all" or "sizerules") SizeRules.Write(Path.Combine(root, "Generator.Tests", "Goldens"));
if (what is "all" or "mobilenet") MobileNetGolden.Write(Path.Combine(root, "Generator.Tests", "Goldens"));
if (what is "all" or "concat") ConcatGoldens.Write(Path.Combine(root, "Generator.Tests", "Goldens"));
if (what is "all" or "convtranspose") ConvTransposeGoldens.Write(Path.Combine(root, "Generator.Tests", "Goldens"));
if (what is "all" or "unet") UNetGolden.Write(Path.Combine(root, "Generator.Tests", "Goldens"));
if (what is "all" or "resnet50") ResNetGolden.Write50(Path.Combine(root, "Generator.Tests", "Goldens"));
if (what is "all" or "style") StyleGolden.Write(Path.Combine(root, "Generator.Tests", "Goldens"));
if (what is "preact") PreActGoldens.Write(Path.Combine(root, "Generator.Tests", "Goldens")); // only on request: new files, seeds of their own
if (what is "standalone") PreActGoldens.WriteStandalone(Path.Combine(root, "Generator.Tests", "Goldens")); // only on request: new files, seeds of their own
if (what is "tuplesizerules") TupleSizeRules.Write(Path.Combine(root, "Generator.Tests", "Goldens")); // per-dim conv tuples at the size rule's boundary; not part of "all"
if (what is "tuples") ChainGoldens.WriteTuples(Path.Combine(root, "Generator.Tests", "Goldens")); // per-dim conv tuples; not part of "all" (new files only)
if (what is "prologue") ChainGoldens.WritePrologue(Path.Combine(root, "Generator.Tests", "Goldens")); // also part of "chains" (other seeds)
if (what is "winograd") ChainGoldens.WriteWinograd(Path.Combine(root, "Generator.Tests", "Goldens")); // only on request: its own seeds; writes only the cases without a file
