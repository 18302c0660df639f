namespace QuantServe.Operator.Tests.Emulator;

/// <summary>Small CRDs written for the emulator's tests (not the operator's).</summary>
internal static class CustomResources
{
    public const string GadgetCrdJson = """
        {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
         "metadata":{"name":"gadgets.example.test"},
         "spec":{"group":"example.test","scope":"Namespaced",
           "names":{"plural":"gadgets","singular":"gadget","kind":"Gadget","shortNames":["gd"]},
           "versions":[
             {"name":"v1","served":true,"storage":true,
              "schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}},
              "subresources":{"status":{},"scale":{"specReplicasPath":".spec.replicas","statusReplicasPath":".status.replicas","labelSelectorPath":".status.selector"}},
              "additionalPrinterColumns":[
                {"name":"Model","type":"string","jsonPath":".spec.model"},
                {"name":"Replicas","type":"integer","jsonPath":".spec.replicas"},
                {"name":"Ready","type":"string","jsonPath":".status.conditions[?(@.type==\"Ready\")].status"},
                {"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}]},
             {"name":"v1alpha1","served":true,"storage":false,
              "schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]}}
        """;

    public const string RealmCrdJson = """
        {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
         "metadata":{"name":"realms.example.test"},
         "spec":{"group":"example.test","scope":"Cluster",
           "names":{"plural":"realms","singular":"realm","kind":"Realm"},
           "versions":[{"name":"v1","served":true,"storage":true,
             "schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]}}
        """;

    public const string SprocketCrdJson = """
        {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
         "metadata":{"name":"sprockets.example.test"},
         "spec":{"group":"example.test","scope":"Namespaced",
           "names":{"plural":"sprockets","singular":"sprocket","kind":"Sprocket"},
           "versions":[{"name":"v1","served":true,"storage":true,"subresources":{"status":{}},
             "schema":{"openAPIV3Schema":{"type":"object","properties":{
               "spec":{"type":"object","required":["model"],"properties":{
                 "model":{"type":"string","minLength":1},
                 "size":{"type":"integer","minimum":1,"maximum":10,"default":1},
                 "mode":{"type":"string","enum":["fast","safe"],"default":"safe"},
                 "port":{"x-kubernetes-int-or-string":true},
                 "labels":{"type":"object","additionalProperties":{"type":"string"}},
                 "extra":{"type":"object","x-kubernetes-preserve-unknown-fields":true},
                 "tags":{"type":"array","maxItems":2,"items":{"type":"string"}}}},
               "status":{"type":"object","properties":{"phase":{"type":"string"}}}}}}}]}}
        """;

    public const string Sprockets = "/apis/example.test/v1/namespaces/default/sprockets";

    public const string Gadgets = "/apis/example.test/v1/namespaces/default/gadgets";

    public static string Gadget(string name, int replicas = 1) =>
        """{"apiVersion":"example.test/v1","kind":"Gadget","metadata":{"name":"NAME"},"spec":{"model":"tiny","replicas":REPLICAS}}"""
            .Replace("NAME", name, StringComparison.Ordinal).Replace("REPLICAS", replicas.ToString(), StringComparison.Ordinal);
}
