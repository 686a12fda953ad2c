namespace Custos.ControlPlane.Exports;

/// Where export files live (`{DataPath}/exports`). A file is written under a temporary name and
/// renamed when complete, so a file under its final name is always whole.
public sealed record ExportFolder(string Path)
{
    public string FileOf(Guid exportId) => System.IO.Path.Combine(Path, $"{exportId:N}.csv");

    public string TemporaryFileOf(Guid exportId, int attempt) => System.IO.Path.Combine(Path, $"{exportId:N}.{attempt}.csv.tmp");
}
