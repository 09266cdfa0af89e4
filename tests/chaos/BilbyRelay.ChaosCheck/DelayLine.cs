using System.Net;
using System.Net.Sockets;

namespace BilbyRelay.ChaosCheck;

/// <summary>
/// One direction of the impaired path: decides each packet's fate and sends it on <paramref name="socket"/>
/// to <paramref name="destination"/> when it falls due, from a thread of its own.
/// </summary>
internal sealed class DelayLine : IDisposable
{
    private readonly Socket _socket;
    private readonly EndPoint _destination;
    private readonly ImpairmentSwitch _impairment;
    private readonly HopCounters _counters;
    private readonly PriorityQueue<byte[], long> _queue = new();
    private readonly Lock _gate = new();
    private readonly AutoResetEvent _wake = new(false);
    private readonly Thread _thread;
    private volatile bool _stopped;

    public DelayLine(Socket socket, EndPoint destination, ImpairmentSwitch impairment, HopCounters counters)
    {
        _counters = counters;
        _socket = socket;
        _destination = destination;
        _impairment = impairment;
        _thread = new Thread(Run) { IsBackground = true, Name = "chaos delay line" };
        _thread.Start();
    }

    public void Submit(ReadOnlySpan<byte> packet)
    {
        var impairment = _impairment.Current;
        bool drop = _impairment.Blackout || Random.Shared.NextDouble() < impairment.Loss;
        _counters.Count(packet.Length, drop);
        if (drop)
        {
            return;
        }

        int copies = Random.Shared.NextDouble() < impairment.Duplicate ? 2 : 1;
        var bytes = packet.ToArray();
        long now = Environment.TickCount64;
        for (int i = 0; i < copies; i++)
        {
            long due = now;
            if (impairment.Delay > TimeSpan.Zero && Random.Shared.NextDouble() >= impairment.Reorder)
            {
                double jitter = ((Random.Shared.NextDouble() * 2) - 1) * impairment.Jitter.TotalMilliseconds;
                due += (long)Math.Max(0, impairment.Delay.TotalMilliseconds + jitter);
            }

            if (due <= now)
            {
                Send(bytes);
                continue;
            }

            lock (_gate)
            {
                _queue.Enqueue(bytes, due);
            }

            _wake.Set();
        }
    }

    private void Run()
    {
        while (!_stopped)
        {
            int wait = Timeout.Infinite;
            while (true)
            {
                byte[]? next = null;
                lock (_gate)
                {
                    if (_queue.TryPeek(out var packet, out long due))
                    {
                        long left = due - Environment.TickCount64;
                        if (left <= 0)
                        {
                            next = _queue.Dequeue();
                        }
                        else
                        {
                            wait = (int)left;
                        }
                    }
                    else
                    {
                        wait = Timeout.Infinite;
                    }
                }

                if (next is null)
                {
                    break;
                }

                Send(next);
            }

            _wake.WaitOne(wait);
        }
    }

    private void Send(byte[] packet)
    {
        try
        {
            _socket.SendTo(packet, _destination);
        }
        catch (SocketException)
        {
            // A full socket buffer or an unreachable peer is one more lost packet, as on a real path.
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        _stopped = true;
        _wake.Set();
        _thread.Join();
        _wake.Dispose();
    }
}
