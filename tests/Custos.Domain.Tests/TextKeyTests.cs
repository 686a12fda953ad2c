namespace Custos.Domain.Tests;

public class TextKeyTests
{
    [Theory]
    [InlineData("  Ann.Smith@Example.COM ", "ann.smith@example.com")]
    [InlineData("ann+Backup@EXAMPLE.de", "ann+backup@example.de")]
    public void Email_Always_TrimsAndLowerCases(string email, string key)
    {
        TextKey.Email(email).ShouldBe(key);
    }

    [Theory]
    [InlineData("ACME GmbH", "acme gmbh")]
    [InlineData("   Acme GmbH  ", "acme gmbh")]
    [InlineData("Acme \t  \u00A0 GmbH", "acme gmbh")]
    [InlineData("Ａｃｍｅ　ＧｍｂＨ", "acme gmbh")]
    [InlineData("Cafe\u0301 Ⅻ", "café xii")]
    public void Name_Always_FoldsCaseWhiteSpaceAndCompatibilityForms(string name, string key)
    {
        TextKey.Name(name).ShouldBe(key);
    }
}
