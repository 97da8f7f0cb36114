namespace Keyward.Architecture.Tests.Support;

/// <summary>The source conventions are only as good as the lexer that tells code from comments and literals.</summary>
public sealed class CSharpSourceTests
{
    [Theory]
    [InlineData("var a = 1; // DateTime.Now", "DateTime.Now")]
    [InlineData("/* DateTime.Now\n */ var a = 1;", "DateTime.Now")]
    [InlineData("var s = \"DateTime.Now\";", "DateTime.Now")]
    [InlineData("var s = @\"a \"\" DateTime.Now\";", "DateTime.Now")]
    [InlineData("var s = \"\"\"\n DateTime.Now \" \"\" \n\"\"\";", "DateTime.Now")]
    [InlineData("var s = $\"{{DateTime.Now}}\";", "DateTime.Now")]
    [InlineData("var s = \"a \\\" DateTime.Now\";", "DateTime.Now")]
    public void CodeOnly_TextInCommentOrLiteral_IsBlanked(string source, string hidden)
    {
        var code = CSharpSource.CodeOnly(source);

        Assert.DoesNotContain(hidden, code, StringComparison.Ordinal);
        Assert.Equal(source.Length, code.Length);
        Assert.Equal(source.Count(c => c == '\n'), code.Count(c => c == '\n'));
    }

    [Theory]
    [InlineData("var s = $\"at {DateTime.Now:O}\";")]
    [InlineData("var s = $@\"at {DateTime.Now}\" + \"x\";")]
    [InlineData("var s = $$\"\"\"{ \"x\": {{DateTime.Now}} }\"\"\";")]
    [InlineData("var s = $\"{(a ? \"}\" : \"{\")}\"; var t = DateTime.Now;")]
    [InlineData("var c = '\"'; var t = DateTime.Now;")]
    [InlineData("var c = '\\''; var u = \"http://x\"; var t = DateTime.Now;")]
    [InlineData("var s = @\"\"; var t = DateTime.Now;")]
    public void CodeOnly_CodeAfterOrInsideLiterals_IsKept(string source)
    {
        Assert.Contains("DateTime.Now", CSharpSource.CodeOnly(source), StringComparison.Ordinal);
    }
}
