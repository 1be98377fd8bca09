using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace DeepLite.Tests.Data;

/// <summary>
/// An HTTP server on 127.0.0.1 for downloader tests. A handler gets the request path and the number
/// of earlier requests for it, and answers with a status, a body, and whether to cut the connection
/// halfway through the body.
/// </summary>
public sealed class LocalHttpServer : IDisposable
{
    public readonly record struct Reply(int Status, byte[] Body, bool CutHalfway = false);

    private readonly HttpListener _listener = new();
    private readonly Func<string, int, Reply> _handler;
    private readonly ConcurrentDictionary<string, int> _hits = new();
    private readonly Task _loop;

    public LocalHttpServer(Func<string, int, Reply> handler)
    {
        _handler = handler;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        BaseUrl = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(BaseUrl);
        _listener.Start();
        _loop = Task.Run(Serve);
    }

    public string BaseUrl { get; }

    public int Hits(string path) => _hits.TryGetValue(path, out var n) ? n : 0;

    public int TotalHits => _hits.Values.Sum();

    private async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) { return; }
            var path = context.Request.Url!.AbsolutePath;
            int earlier = _hits.AddOrUpdate(path, 1, (_, n) => n + 1) - 1;
            var reply = _handler(path, earlier);
            var response = context.Response;
            try
            {
                response.StatusCode = reply.Status;
                response.ContentLength64 = reply.Body.Length;
                if (reply.CutHalfway)
                {
                    await response.OutputStream.WriteAsync(reply.Body.AsMemory(0, reply.Body.Length / 2));
                    await response.OutputStream.FlushAsync();
                    response.Abort();
                    continue;
                }
                await response.OutputStream.WriteAsync(reply.Body);
                response.Close();
            }
            catch (Exception) { response.Abort(); }
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
