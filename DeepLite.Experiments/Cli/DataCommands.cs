using System.CommandLine;
using DeepLite.Data;
using Spectre.Console;

namespace DeepLite.Experiments.Cli;

/// <summary>The <c>data</c> verbs: fetch a dataset into the cache, describe it.</summary>
internal static class DataCommands
{
    public static Command Create()
    {
        var data = new Command("data", "Fetch and inspect datasets (MNIST, Fashion-MNIST, CIFAR-10, Tiny Shakespeare).");
        data.Subcommands.Add(Fetch());
        data.Subcommands.Add(Info());
        return data;
    }

    private static Argument<string> NameArgument()
    {
        var name = new Argument<string>("name") { Description = "Dataset: " + string.Join(", ", DatasetCatalog.All.Keys) };
        name.AcceptOnlyFromAmong([.. DatasetCatalog.All.Keys]);
        return name;
    }

    private static Command Fetch()
    {
        var name = NameArgument();
        var command = new Command("fetch", "Make sure a verified copy is available (cache, DEEPLITE_DATA_MIRROR, system package, or download).") { name };
        command.SetAction(result =>
        {
            var dataset = result.GetValue(name)!;
            var location = ProgressDisplay.Run($"fetch {dataset}", progress => new DataStore(new DataStoreOptions { Progress = progress }).Fetch(dataset));
            AnsiConsole.MarkupLine($"[green]{Markup.Escape(dataset)}[/] is ready: {Markup.Escape(location.Origin)}, {Markup.Escape(location.Folder)}");
            AnsiConsole.MarkupLine($"version: {Markup.Escape(location.Variant)}");
            return 0;
        });
        return command;
    }

    private static Command Info()
    {
        var name = NameArgument();
        var command = new Command("info", "Counts, shapes, class balance and where the files came from.") { name };
        command.SetAction(result =>
        {
            var dataset = result.GetValue(name)!;
            if (DatasetCatalog.All[dataset].Format == DatasetFormat.Text)
            {
                var corpus = ProgressDisplay.Run($"load {dataset}", progress => new DataStore(new DataStoreOptions { Progress = progress }).LoadText(dataset));
                AnsiConsole.MarkupLine($"[bold]{Markup.Escape(dataset)}[/] from {Markup.Escape(corpus.Location?.ToString() ?? "?")}");
                var text = new Table().AddColumns("characters", "vocabulary", "train tokens", "validation tokens");
                text.AddRow(corpus.Text.Length.ToString("N0"), corpus.Vocabulary.Count.ToString("N0"), corpus.Train.Length.ToString("N0"), corpus.Validation.Length.ToString("N0"));
                AnsiConsole.Write(text);
                return 0;
            }
            var splits = ProgressDisplay.Run($"load {dataset}", progress => new DataStore(new DataStoreOptions { Progress = progress }).Load(dataset));
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(dataset)}[/] from {Markup.Escape(splits.Source)}");
            var table = new Table().AddColumns("split", "images", "shape (C x H x W)");
            foreach (var split in new[] { splits.Train, splits.Test })
                table.AddRow(Markup.Escape(split.Name), split.Count.ToString("N0"), $"{split.Channels} x {split.Height} x {split.Width}");
            AnsiConsole.Write(table);
            var balance = new Table().AddColumns("class", "name", "train", "test");
            var train = splits.Train.ClassCounts(); var test = splits.Test.ClassCounts();
            for (int c = 0; c < train.Length; c++)
                balance.AddRow(c.ToString(), Markup.Escape(splits.Train.ClassNames[c]), train[c].ToString("N0"), test[c].ToString("N0"));
            AnsiConsole.Write(balance);
            return 0;
        });
        return command;
    }
}
