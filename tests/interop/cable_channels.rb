# Channels for tests/interop/cable.ru.
module ApplicationCable
  class Connection < ActionCable::Connection::Base
    identified_by :user
    def connect
      auth = request.headers["Authorization"].to_s
      self.user = auth.sub(/\ABearer /, "")
      # no token or a bad one: {"type":"disconnect","reason":"unauthorized","reconnect":false}
      reject_unauthorized_connection if user.empty? || user == "bad-token"
    end
  end
end

# GitLab's shape: the query's initial result, then events {result:{data:...},more:true}.
class GraphqlChannel < ActionCable::Channel::Base
  def subscribed
    vars = params["variables"]
    vars = JSON.parse(vars) if vars.is_a?(String)
    field = params["operationName"] || "ciPipelineStatusUpdated"
    transmit({ "result" => { "data" => { field => nil } }, "more" => true })
    @timer = Thread.new do
      3.times do |i|
        sleep 0.2
        transmit({ "result" => { "data" => { field => { "id" => vars && vars["pipelineId"], "status" => "step #{i}" } } },
                   "more" => true })
      end
    end
  end

  def unsubscribed
    @timer&.kill
  end
end

class DenyChannel < ActionCable::Channel::Base
  def subscribed
    reject
  end
end

class EchoChannel < ActionCable::Channel::Base
  def subscribed
    stream_from("echo")
  end

  def speak(data)
    ActionCable.server.broadcast("echo", { "text" => data["text"], "from" => connection.user })
  end
end
