Console.Error.WriteLine("quantserve bench: no benchmark yet");
return 2;
