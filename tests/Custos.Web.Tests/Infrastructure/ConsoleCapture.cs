using System.Text;

namespace Custos.Web.Tests.Infrastructure;

/// Records what is written to the process's console (the startup banner goes there) while the
/// capture is open, and still passes it on. The console is process-wide, so a test class that
/// asserts on it belongs to the <see cref="ConsoleCollection"/>, which runs alone.
public sealed class ConsoleCapture : IDisposable
{
    private readonly TextWriter _original;
    private readonly StringBuilder _text = new();

    public ConsoleCapture()
    {
        _original = Console.Out;
        Console.SetOut(TextWriter.Synchronized(new Tee(_original, _text)));
    }

    public string Text
    {
        get
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }

    public void Dispose() => Console.SetOut(_original);

    private sealed class Tee(TextWriter original, StringBuilder text) : TextWriter
    {
        public override Encoding Encoding => original.Encoding;

        public override void Write(char value)
        {
            original.Write(value);
            lock (text)
            {
                text.Append(value);
            }
        }

        public override void Write(string? value)
        {
            original.Write(value);
            lock (text)
            {
                text.Append(value);
            }
        }

        public override void WriteLine(string? value)
        {
            original.WriteLine(value);
            lock (text)
            {
                text.Append(value).Append('\n');
            }
        }
    }
}

/// Test classes that read the console; xunit runs this collection on its own, after the others.
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    public const string Name = "Console";
}
