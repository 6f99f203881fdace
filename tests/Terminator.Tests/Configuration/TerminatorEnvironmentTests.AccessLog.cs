using Terminator.Configuration;

namespace Terminator.Tests.Configuration;

/// <summary>The TERMINATOR_ACCESS_LOG* variables: defaults, values, and a path that cannot be appended to.</summary>
public sealed partial class TerminatorEnvironmentTests
{
    [Fact]
    public void TryLoad_AccessLogDefaults_OffCombinedQueryStripped()
    {
        Assert.True(TerminatorEnvironment.TryLoad(Env(), out TerminatorOptions? options, out string? error), error);

        Assert.Equal(AccessLogDestination.Off, options.AccessLog.Destination);
        Assert.False(options.AccessLog.Enabled);
        Assert.Equal(AccessLogFormat.Combined, options.AccessLog.Format);
        Assert.Equal(AccessLogQueryMode.Strip, options.AccessLog.Query);
    }

    [Fact]
    public void TryLoad_AccessLogStdoutJsonKeep_Parsed()
    {
        Assert.True(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_ACCESS_LOG", "stdout"), ("TERMINATOR_ACCESS_LOG_FORMAT", "JSON"),
            ("TERMINATOR_ACCESS_LOG_QUERY", "keep")), out TerminatorOptions? options, out string? error), error);

        Assert.Equal(new AccessLogOptions { Destination = AccessLogDestination.Stdout, Format = AccessLogFormat.Json, Query = AccessLogQueryMode.Keep }, options.AccessLog);
        Assert.Equal("stdout (json, query kept)", options.AccessLog.Describe());
    }

    [Fact]
    public void TryLoad_AccessLogFile_CreatedForAppendingAtStartUp()
    {
        string path = Path.Combine(_dir.FullName, "access.log");

        Assert.True(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_ACCESS_LOG", path)), out TerminatorOptions? options, out string? error), error);

        Assert.Equal(AccessLogDestination.File, options.AccessLog.Destination);
        Assert.Equal(path, options.AccessLog.Path);
        Assert.True(File.Exists(path));
        Assert.Equal($"{path} (combined, query stripped)", options.AccessLog.Describe());
    }

    [Theory]
    [InlineData("access.log", "TERMINATOR_ACCESS_LOG: 'access.log' is neither off, stdout nor an absolute path")]
    [InlineData("/nonexistent-terminator-dir/access.log", "TERMINATOR_ACCESS_LOG: directory '/nonexistent-terminator-dir' does not exist")]
    [InlineData("/tmp", "TERMINATOR_ACCESS_LOG: '/tmp' is a directory, expected a file path")]
    // procfs refuses new files even to root, so this fails to open whoever runs the tests.
    [InlineData("/proc/terminator-access.log", "TERMINATOR_ACCESS_LOG: cannot open '/proc/terminator-access.log' for appending: ")]
    [InlineData("yes", "TERMINATOR_ACCESS_LOG: 'yes' is neither off, stdout nor an absolute path")]
    public void TryLoad_AccessLogPathNotAppendable_OneLineNamingTheVariable(string value, string expected)
    {
        Assert.False(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_ACCESS_LOG", value)), out _, out string? error));

        Assert.StartsWith(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error!);
    }

    [Theory]
    [InlineData("TERMINATOR_ACCESS_LOG_FORMAT", "main", "TERMINATOR_ACCESS_LOG_FORMAT: 'main' is not a format (expected combined or json)")]
    [InlineData("TERMINATOR_ACCESS_LOG_QUERY", "drop", "TERMINATOR_ACCESS_LOG_QUERY: 'drop' is not a setting (expected strip or keep)")]
    public void TryLoad_BadAccessLogSetting_OneLineNamingTheVariable(string name, string value, string expected)
    {
        Assert.False(TerminatorEnvironment.TryLoad(Env((name, value)), out _, out string? error));

        Assert.Equal(expected, error);
    }
}
