using QuantServe.Operator.Crds;

// quantserve-operator: `crds <dir>` writes the generated CRDs; `run` (the default) runs the controllers.
if (args.Length > 0 && args[0] == "crds")
{
    var directory = args.Length > 1 ? args[1] : "crds";
    foreach (var path in CrdGenerator.WriteAll(directory)) Console.WriteLine($"wrote {path}");
    return 0;
}
return 2;
