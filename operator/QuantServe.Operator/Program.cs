Console.Error.WriteLine("quantserve-operator: not built yet (issue 7)");
return 2;
