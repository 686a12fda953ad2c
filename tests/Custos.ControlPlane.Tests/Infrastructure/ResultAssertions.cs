using Custos.Domain;

namespace Custos.ControlPlane.Tests.Infrastructure;

internal static class ResultAssertions
{
    public static T ShouldSucceed<T>(this Result<T> result)
    {
        result.Error.ShouldBeNull($"expected success, got {result.Error}");
        return result.Value!;
    }

    public static void ShouldSucceed(this Result result) =>
        result.Error.ShouldBeNull($"expected success, got {result.Error}");
}
