namespace DeepLite.Data;

/// <summary>How a dataset's files are laid out and parsed.</summary>
public enum DatasetFormat
{
    /// <summary>Four IDX files (train/test images and labels), each gzipped.</summary>
    Idx,
    /// <summary>The CIFAR-10 binary archive.</summary>
    CifarBinary,
    /// <summary>One UTF-8 text file (a character-level corpus, loaded with <see cref="DataStore.LoadText"/>).</summary>
    Text,
}

/// <summary>One accepted version of a dataset's content: the SHA-256 of each file's (decompressed) bytes.</summary>
public sealed record DatasetVariant(string Description, IReadOnlyDictionary<string, string> ContentSha256);

/// <summary>
/// A dataset the store knows: its files, the addresses they are downloaded from (official first, then
/// fallback mirrors), the content hashes it accepts, and folders where a system package installs it.
/// </summary>
public sealed record DatasetDefinition(
    string Name,
    DatasetFormat Format,
    IReadOnlyList<string> Files,
    IReadOnlyList<string> BaseUrls,
    IReadOnlyList<DatasetVariant> Variants,
    IReadOnlyList<string> ClassNames,
    IReadOnlyList<string> SystemFolders);

/// <summary>The datasets DeepLite can fetch, with their pinned SHA-256 hashes.</summary>
public static class DatasetCatalog
{
    private static readonly string[] IdxFiles =
        ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];

    /// <summary>MNIST: hashes of the uncompressed IDX files, so any faithful gzip of them passes.</summary>
    public static DatasetDefinition Mnist { get; } = new("mnist", DatasetFormat.Idx, IdxFiles,
        ["http://yann.lecun.com/exdb/mnist/", "https://ossci-datasets.s3.amazonaws.com/mnist/"],
        [new("original MNIST release", new Dictionary<string, string>
        {
            ["train-images-idx3-ubyte"] = "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            ["train-labels-idx1-ubyte"] = "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            ["t10k-images-idx3-ubyte"] = "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            ["t10k-labels-idx1-ubyte"] = "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        })],
        ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], []);

    /// <summary>Fashion-MNIST (Zalando), same layout as MNIST; Debian's dataset-fashion-mnist package installs it.</summary>
    public static DatasetDefinition FashionMnist { get; } = new("fashion-mnist", DatasetFormat.Idx, IdxFiles,
        ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
        [new("original Fashion-MNIST release", new Dictionary<string, string>
        {
            ["train-images-idx3-ubyte"] = "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            ["train-labels-idx1-ubyte"] = "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            ["t10k-images-idx3-ubyte"] = "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            ["t10k-labels-idx1-ubyte"] = "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        })],
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
        ["/usr/share/datasets/fashion-mnist"]);

    /// <summary>
    /// CIFAR-10, binary version. Two variants are accepted: the official archive, and the development
    /// mirror's rebuild (same split and labels, pixels through JPEG, shuffled within batches), which the
    /// store names when it is the one found.
    /// </summary>
    public static DatasetDefinition Cifar10 { get; } = new("cifar10", DatasetFormat.CifarBinary, ["cifar-10-binary.tar.gz"],
        ["https://www.cs.toronto.edu/~kriz/"],
        [
            new("official CIFAR-10 release", new Dictionary<string, string>
            {
                ["data_batch_1.bin"] = "cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5",
                ["data_batch_2.bin"] = "a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed",
                ["data_batch_3.bin"] = "bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67",
                ["data_batch_4.bin"] = "014e562d6e23c72197cc727519169a60359f5eccd8945ad5a09d710285ff4e48",
                ["data_batch_5.bin"] = "755304fc0b379caeae8c14f0dac912fbc7d6cd469eb67a1029a08a39453a9add",
                ["test_batch.bin"] = "8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b",
            }),
            new("DeepLite development mirror (rebuilt from JPEG copies; not the official pixels)", new Dictionary<string, string>
            {
                ["data_batch_1.bin"] = "a53bd1acc468eda9d2f448d2ebbc67b2d445531dcccbcaee3e61998ee9523329",
                ["data_batch_2.bin"] = "7e773b3e98589c807471b977dcfdb94ee26d2459eace841b06abbfdb137f5c26",
                ["data_batch_3.bin"] = "d91a9360878cd756f81ba79c798441f3ca82d8acefb0709e527a7095b148dfc0",
                ["data_batch_4.bin"] = "ad15624a346203a506f2b0435ee2675482710ecb01be45f6e6830b1bca48d961",
                ["data_batch_5.bin"] = "12c6127bf59dac208bebef32a1f78d7a56442a5301fa558ca0c61e1ed22699e9",
                ["test_batch.bin"] = "4ef0d986b259bfa49b6e70d51c2132a33790e6ce5de02a2e068a81065b216260",
            }),
        ],
        CifarBinary.ClassNames, []);

    /// <summary>
    /// Tiny Shakespeare, char-rnn's <c>data/tinyshakespeare/input.txt</c> (1,115,394 bytes), the file nanoGPT's
    /// shakespeare_char <c>prepare.py</c> downloads.
    /// </summary>
    public static DatasetDefinition TinyShakespeare { get; } = new("tinyshakespeare", DatasetFormat.Text, ["input.txt"],
        ["https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/"],
        [new("char-rnn's input.txt", new Dictionary<string, string> { ["input.txt"] = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed" })],
        [], []);

    /// <summary>Every dataset by name.</summary>
    public static IReadOnlyDictionary<string, DatasetDefinition> All { get; } =
        new[] { Mnist, FashionMnist, Cifar10, TinyShakespeare }.ToDictionary(d => d.Name);
}
