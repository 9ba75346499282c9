# Keras 2 models in the shapes users have (keras.io's U-Net for the Oxford pets, segmentation_models'
# U-Net on a classification_models ResNet, its PSPNet on an efficientnet-package EfficientNet), saved
# whole in HDF5 as Keras's hdf5_format.py lays them out (h5py; the configs with Keras 2.12's keys),
# and their label maps computed in PyTorch from the same weights by an interpreter of the layer list
# that writes TensorFlow's rules out (padding of strided 'same' windows, average pooling that leaves
# the padding out of the count, transposed 'same' crops, half-pixel bilinear upsampling): the
# fixtures of test/io/keras_zoo.test.ts. Smaller widths than the originals; the same layers.
#   - oxford_pets.h5: keras.io's "Image segmentation with a U-Net-like architecture": SeparableConv2D,
#     MaxPooling2D(3, strides=2, padding='same'), strided 1x1 residual convolutions, stride-1
#     Conv2DTranspose, UpSampling2D, add, a softmax 3x3 head; 64x64, 0..1 input.
#   - sm_unet_resnet.h5: segmentation_models' Unet on classification_models' ResNet18 (a BatchNormalization
#     without scale on the input, ZeroPadding2D + valid convolutions, pre-activation residual units),
#     its decoder (UpSampling2D, Concatenate, Conv2D + BatchNormalization + ReLU) and a one-class sigmoid
#     head; 64x64, pixel values 0..255 as they are (that ResNet's preprocess_input).
#   - sm_psp_efficientnet.h5: segmentation_models' PSPNet on the efficientnet package's EfficientNet
#     (swish, strided 'same' DepthwiseConv2D, squeeze-and-excitation by GlobalAveragePooling2D +
#     Reshape + Conv2D + multiply, FixedDropout on the residual), one block with an SE of Keras 2.6's
#     form (GlobalAveragePooling2D keepdims + Dense), an InceptionV3-style 'same' 3x3 average pooling
#     branch, the pyramid (AveragePooling2D 'same', bilinear UpSampling2D), SpatialDropout2D, the x8
#     bilinear upsampling and softmax; 96x96, Keras's "torch" preprocessing.
#   - keras_apps_efficientnet.h5: keras.applications' EfficientNet as an encoder: its preprocessing
#     inside the model (Rescaling, an adapted Normalization, a per-channel Rescaling), ZeroPadding2D
#     before strided 'valid' depthwise convolutions, squeeze-and-excitation, Dropout on the residual;
#     a 1x1 head upsampled x4 bilinearly; 64x64, pixel values 0..255 as they are.
#   - keras_apps_mobilenetv3_lraspp.h5: keras.applications' MobileNetV3 blocks (its Rescaling to
#     [-1, 1], hard swish as TFOpLambda arithmetic with numbers and a Multiply, squeeze-and-excitation
#     with keepdims, layer names with '/') under an LR-ASPP head (tf.image.resize, '+' of two
#     tensors, a nearest Resizing layer to a size no multiple of the input); 64x64, 0..255.
#   - keras3_hard_activations.keras: Keras 3's hard_silu and hard_sigmoid Activation layers (relu6(x + 3)
#     / 6, not Keras 2's hard sigmoid), as Keras 3's MobileNetV3 has them; a Keras 3 archive only.
#   - regnet_grouped.h5: keras.applications' RegNet X block (a grouped Conv2D of stride 2 'same'), and
#     a grouped Conv2D with dilation; 64x64, Keras's "torch" preprocessing.
# Five of the models are also written as Keras 3 archives (bench/keras3_from_h5.py).
# Reference processing for each: Pillow BILINEAR to the input size, the argmax (logit > 0 for the
# sigmoid), Pillow NEAREST back to the photo.
# Rerun (Debian python3-h5py, python3-torch, python3-pil; no network):
#   /usr/bin/python3 bench/keras_zoo_export.py test/fixtures/keras_zoo
import json, math, os, re, sys
import h5py
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
sys.path.insert(0, os.path.dirname(__file__))
from torch_exports import NEAR, packed  # noqa: E402
from keras_export import INIT, bn, conv, save  # noqa: E402
import keras3_from_h5  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else 'test/fixtures/keras_zoo'
PHOTOS = ['assets/photos/chelsea.png', 'assets/photos/coffee.png']
rng = np.random.default_rng(20261207)
torch.set_grad_enabled(False)
BN_WEIGHTS = ['gamma', 'beta', 'moving_mean', 'moving_variance']


def snake(cls):
    return re.sub(r'(?<!^)(?=[A-Z][a-z])', '_', cls).lower().replace('conv2_d', 'conv2d').replace('2_d', '2d')


class Model:
    """A Keras 2 Functional model config and its weights, with Keras's automatic layer names."""

    def __init__(self, name, shape):
        self.name, self.shape = name, shape
        self.layers, self.weights, self.count, self.ch = [], {}, {}, {}
        self.layers.append({'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, *shape], 'dtype': 'float32', 'sparse': False, 'ragged': False, 'name': 'input_1'}, 'name': 'input_1', 'inbound_nodes': []})
        self.ch['input_1'] = shape[2]

    def add(self, cls, cfg, inputs, name=None, out_ch=None, weights=None):
        if name is None:
            base = snake(cls)
            n = self.count.get(base, 0)
            self.count[base] = n + 1
            name = base if n == 0 else f'{base}_{n}'
        inputs = inputs if isinstance(inputs, list) else [inputs]
        self.layers.append({'class_name': cls, 'config': {'name': name, 'trainable': True, 'dtype': 'float32', **cfg}, 'name': name,
                            'inbound_nodes': [[[i, 0, 0, {}] for i in inputs]]})
        self.ch[name] = out_ch if out_ch is not None else self.ch[inputs[0]]
        if weights:
            self.weights[name] = weights
        return name

    # ---- layers, with weights drawn at random ----
    def conv(self, x, filters, k, strides=1, padding='same', activation='linear', use_bias=True, name=None, dilation=1, groups=1):
        cin = self.ch[x]
        w = [('kernel', (rng.standard_normal((k, k, cin // groups, filters)) * np.sqrt(2 / (k * k * cin // groups))).astype(np.float32))]
        if use_bias:
            w.append(('bias', (rng.standard_normal(filters) * 0.1).astype(np.float32)))
        cfg = dict(conv(filters, k, padding=padding, strides=strides, activation=activation, use_bias=use_bias), dilation_rate=[dilation, dilation], groups=groups)
        return self.add('Conv2D', cfg, x, name, filters, w)

    def bn(self, x, name=None, eps=0.001, scale=True):
        c = self.ch[x]
        w = [('gamma', (1 + 0.2 * rng.standard_normal(c)).astype(np.float32))] if scale else []
        w += [('beta', (0.1 * rng.standard_normal(c)).astype(np.float32)), ('moving_mean', (0.2 * rng.standard_normal(c)).astype(np.float32)),
              ('moving_variance', (0.5 + rng.random(c)).astype(np.float32))]
        return self.add('BatchNormalization', dict(bn(), epsilon=eps, scale=scale), x, name, c, w)

    def act(self, x, a, name=None):
        return self.add('Activation', {'activation': a}, x, name)

    def separable(self, x, filters, k):
        cin = self.ch[x]
        w = [('depthwise_kernel', (rng.standard_normal((k, k, cin, 1)) * np.sqrt(2 / (k * k))).astype(np.float32)),
             ('pointwise_kernel', (rng.standard_normal((1, 1, cin, filters)) * np.sqrt(2 / cin)).astype(np.float32)),
             ('bias', (rng.standard_normal(filters) * 0.1).astype(np.float32))]
        cfg = {'filters': filters, 'kernel_size': [k, k], 'strides': [1, 1], 'padding': 'same', 'data_format': 'channels_last', 'dilation_rate': [1, 1],
               'groups': 1, 'depth_multiplier': 1, 'activation': 'linear', 'use_bias': True, 'depthwise_initializer': INIT['kernel_initializer'],
               'pointwise_initializer': INIT['kernel_initializer'], 'bias_initializer': INIT['bias_initializer'], 'depthwise_regularizer': None,
               'pointwise_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None, 'depthwise_constraint': None,
               'pointwise_constraint': None, 'bias_constraint': None}
        return self.add('SeparableConv2D', cfg, x, None, filters, w)

    def depthwise(self, x, k, strides, name, padding='same'):
        c = self.ch[x]
        w = [('depthwise_kernel', (rng.standard_normal((k, k, c, 1)) * np.sqrt(2 / (k * k))).astype(np.float32))]
        cfg = {'kernel_size': [k, k], 'strides': [strides, strides], 'padding': padding, 'data_format': 'channels_last', 'dilation_rate': [1, 1],
               'groups': 1, 'depth_multiplier': 1, 'activation': 'linear', 'use_bias': False, 'depthwise_initializer': INIT['kernel_initializer'],
               'bias_initializer': INIT['bias_initializer'], 'depthwise_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None,
               'depthwise_constraint': None, 'bias_constraint': None}
        return self.add('DepthwiseConv2D', cfg, x, name, c, w)

    def deconv(self, x, filters, k, strides=1):
        cin = self.ch[x]
        w = [('kernel', (rng.standard_normal((k, k, filters, cin)) * np.sqrt(1 / (k * k * cin))).astype(np.float32)),
             ('bias', (0.1 * rng.standard_normal(filters)).astype(np.float32))]
        cfg = {'filters': filters, 'kernel_size': [k, k], 'strides': [strides, strides], 'padding': 'same', 'data_format': 'channels_last',
               'dilation_rate': [1, 1], 'groups': 1, 'activation': 'linear', 'use_bias': True, 'output_padding': None, **INIT}
        return self.add('Conv2DTranspose', cfg, x, None, filters, w)

    def dense(self, x, units, activation, name):
        cin = self.ch[x]
        w = [('kernel', (rng.standard_normal((cin, units)) * np.sqrt(2 / cin)).astype(np.float32)), ('bias', (0.1 * rng.standard_normal(units)).astype(np.float32))]
        return self.add('Dense', {'units': units, 'activation': activation, 'use_bias': True, **INIT}, x, name, units, w)

    def pool(self, cls, x, k, strides, padding, name=None):
        return self.add(cls, {'pool_size': [k, k] if isinstance(k, int) else k, 'padding': padding, 'strides': [strides, strides] if isinstance(strides, int) else strides,
                              'data_format': 'channels_last'}, x, name)

    def up(self, x, size, interpolation, name=None):
        return self.add('UpSampling2D', {'size': [size, size] if isinstance(size, int) else size, 'data_format': 'channels_last', 'interpolation': interpolation}, x, name)

    def zero_pad(self, x, p, name=None):
        p = p if isinstance(p, list) else [[p, p], [p, p]]
        return self.add('ZeroPadding2D', {'padding': p, 'data_format': 'channels_last'}, x, name)

    def concat(self, xs, name=None):
        return self.add('Concatenate', {'axis': 3}, xs, name, sum(self.ch[x] for x in xs))

    def tf_op(self, fn, x, **kwargs):
        """A TensorFlow function called on a Keras tensor (a TFOpLambda layer): its node is the
        first argument's ref with the others as keyword arguments, tensors among them as refs."""
        base = f'tf.{fn}'
        n = self.count.get(base, 0)
        self.count[base] = n + 1
        name = base if n == 0 else f'{base}_{n}'
        args = {k: ([v, 0, 0] if k == 'y' and isinstance(v, str) else v) for k, v in kwargs.items()}
        self.layers.append({'class_name': 'TFOpLambda', 'config': {'name': name, 'trainable': True, 'dtype': 'float32', 'function': fn}, 'name': name,
                            'inbound_nodes': [[x, 0, 0, {**args, 'name': None}]]})
        self.ch[name] = self.ch[x]
        return name

    def relu(self, x, max_value=None, name=None):
        return self.add('ReLU', {'max_value': max_value, 'negative_slope': 0.0, 'threshold': 0.0}, x, name)

    def config(self, output):
        return {'class_name': 'Functional', 'config': {'name': self.name, 'trainable': True, 'layers': self.layers,
                                                       'input_layers': [[self.layers[0]['name'], 0, 0]], 'output_layers': [[output, 0, 0]]}}

    def save(self, path, output):
        save(path, self.config(output), [(l['name'], [(f"{l['name']}/{k}:0", v) for k, v in self.weights.get(l['name'], [])]) for l in self.layers])


# ---- the layer list computed in PyTorch with TensorFlow's rules (NCHW; vectors [N, C]) ----
def t(a):
    return torch.from_numpy(np.ascontiguousarray(a))


def same_pad(size, k, s, d=1):
    """TF's 'same': total padding so that out = ceil(in / s), the smaller half before."""
    out = -(-size // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
    return total // 2, total - total // 2


def pad2d(x, k, s, d=1, value=0.0):
    (t_, b_), (l_, r_) = same_pad(x.shape[2], k[0], s[0], d), same_pad(x.shape[3], k[1], s[1], d)
    return F.pad(x, (l_, r_, t_, b_), value=value)


def tf_resize(x, size, method):
    """tf.image.resize on TensorFlow 2: half-pixel centres, no antialiasing."""
    if method == 'bilinear':
        return F.interpolate(x, size=tuple(size), mode='bilinear', align_corners=False)
    # nearest: source floor((i + 0.5) * in / out), clamped
    hi = torch.clamp(torch.floor((torch.arange(size[0]) + 0.5) * x.shape[2] / size[0]).long(), max=x.shape[2] - 1)
    wi = torch.clamp(torch.floor((torch.arange(size[1]) + 0.5) * x.shape[3] / size[1]).long(), max=x.shape[3] - 1)
    return x[:, :, hi][:, :, :, wi]


def activation(a, x):
    return {'linear': lambda v: v, 'relu': torch.relu, 'sigmoid': torch.sigmoid, 'softmax': lambda v: torch.softmax(v, 1),
            'swish': lambda v: v * torch.sigmoid(v), 'hard_sigmoid': lambda v: torch.clamp(0.2 * v + 0.5, 0, 1),  # Keras 2's hard sigmoid
            # Keras 3's: relu6(x + 3) / 6, and x times it
            'keras3_hard_sigmoid': lambda v: torch.clamp(v + 3, 0, 6) / 6, 'keras3_hard_silu': lambda v: v * torch.clamp(v + 3, 0, 6) / 6}[a](x)


def run(model, x):
    vals = {model.layers[0]['name']: x}
    for l in model.layers[1:]:
        cls, c, w = l['class_name'], l['config'], dict(model.weights.get(l['name'], []))
        if cls == 'TFOpLambda':
            src, _, _, kw = l['inbound_nodes'][0]
            v, fn = vals[src], c['function']
            y = kw.get('y')
            y = vals[y[0]] if isinstance(y, list) else y
            if fn in ('__operators__.add', 'math.add'):
                v = v + y
            elif fn == 'math.subtract':
                v = v - y
            elif fn == 'math.multiply':
                v = v * y
            elif fn == 'math.truediv':
                v = v / y
            elif fn == 'image.resize':
                v = tf_resize(v, kw['size'], kw.get('method', 'bilinear'))
            else:
                raise ValueError(fn)
            vals[l['name']] = v
            continue
        ins = [vals[n[0]] for n in l['inbound_nodes'][0]]
        v = ins[0]
        if cls in ('Conv2D', 'DepthwiseConv2D', 'SeparableConv2D'):
            k, s, d = c['kernel_size'], c['strides'], c['dilation_rate'][0]
            if c['padding'] == 'same':
                v = pad2d(v, k, s, d)
            if cls == 'Conv2D':
                v = F.conv2d(v, t(w['kernel'].transpose(3, 2, 0, 1)), t(w['bias']) if 'bias' in w else None, stride=s, dilation=d, groups=c.get('groups', 1))
            else:
                dk = w['depthwise_kernel']  # [k, k, C, 1]
                v = F.conv2d(v, t(dk.transpose(2, 3, 0, 1)), None, stride=s, dilation=d, groups=v.shape[1])
                if cls == 'SeparableConv2D':
                    v = F.conv2d(v, t(w['pointwise_kernel'].transpose(3, 2, 0, 1)), t(w['bias']))
            v = activation(c['activation'], v)
        elif cls == 'Conv2DTranspose':
            k, s = c['kernel_size'][0], c['strides'][0]
            y = F.conv_transpose2d(v, t(w['kernel'].transpose(3, 2, 0, 1)), t(w['bias']), stride=s)
            b = (k - s) // 2
            v = y[:, :, b:b + v.shape[2] * s, b:b + v.shape[3] * s]
        elif cls == 'BatchNormalization':
            n = v.shape[1]
            g = t(w['gamma']) if 'gamma' in w else torch.ones(n)
            scale = g / torch.sqrt(t(w['moving_variance']) + c['epsilon'])
            v = (v - t(w['moving_mean'])[:, None, None]) * scale[:, None, None] + t(w['beta'])[:, None, None]
        elif cls == 'Activation':
            v = activation(c['activation'], v)
        elif cls == 'ReLU':
            v = torch.relu(v) if c['max_value'] is None else torch.clamp(v, 0, c['max_value'])
        elif cls == 'Resizing':
            v = tf_resize(v, [c['height'], c['width']], c['interpolation'])
        elif cls == 'ZeroPadding2D':
            (a, b), (l_, r_) = c['padding']
            v = F.pad(v, (l_, r_, a, b))
        elif cls == 'MaxPooling2D':
            k, s = c['pool_size'], c['strides']
            if c['padding'] == 'same':
                v = pad2d(v, k, s, value=-math.inf)
            v = F.max_pool2d(v, k, s)
        elif cls == 'AveragePooling2D':
            k, s = c['pool_size'], c['strides']
            if c['padding'] == 'same':
                # The padding is left out of each window's count.
                ones = pad2d(torch.ones_like(v[:, :1]), k, s)
                v = F.avg_pool2d(pad2d(v, k, s), k, s) / F.avg_pool2d(ones, k, s)
            else:
                v = F.avg_pool2d(v, k, s)
        elif cls == 'UpSampling2D':
            size = (v.shape[2] * c['size'][0], v.shape[3] * c['size'][1])
            v = F.interpolate(v, size=size, mode='nearest') if c['interpolation'] == 'nearest' else F.interpolate(v, size=size, mode='bilinear', align_corners=False)
        elif cls == 'Concatenate':
            v = torch.cat(ins, 1)
        elif cls == 'Add':
            v = sum(ins[1:], ins[0])
        elif cls == 'Multiply':
            v = ins[0] * ins[1]
        elif cls == 'GlobalAveragePooling2D':
            v = v.mean((2, 3), keepdim=bool(c.get('keepdims')))
        elif cls == 'Reshape':
            assert v.dim() == 2 and list(c['target_shape'][:2]) == [1, 1]
            v = v[:, :, None, None]
        elif cls == 'Dense':
            if v.dim() == 4:
                v = torch.einsum('nchw,cd->ndhw', v, t(w['kernel'])) + t(w['bias'])[:, None, None]
            else:
                v = v @ t(w['kernel']) + t(w['bias'])
            v = activation(c['activation'], v)
        elif cls == 'Rescaling':
            scale = c['scale'] if isinstance(c['scale'], list) else [c['scale']] * v.shape[1]
            v = v * torch.tensor(scale, dtype=torch.float32)[:, None, None] + c['offset']
        elif cls == 'Normalization':
            # Keras 2.12: (x - mean) / max(sqrt(variance), epsilon), epsilon 1e-7.
            sd = torch.clamp(torch.sqrt(t(w['variance'])), min=1e-7)
            v = (v - t(w['mean'])[:, None, None]) / sd[:, None, None]
        elif cls in ('Dropout', 'SpatialDropout2D', 'FixedDropout'):
            pass
        else:
            raise ValueError(cls)
        vals[l['name']] = v
    return vals


def dropout(cls, rate, noise_shape=None):
    return cls, {'rate': rate, 'noise_shape': noise_shape, 'seed': None}


# ---- the models ----
def oxford_pets():
    m = Model('model', [64, 64, 3])
    x = m.conv('input_1', 8, 3, strides=2)
    x = m.bn(x)
    x = m.act(x, 'relu')
    previous = x

    def relu_conv_bn(x, conv):  # keras.io's order: Activation, the convolution, BatchNormalization
        return m.bn(conv(m.act(x, 'relu')))
    for filters in [8, 16, 32]:
        for _ in range(2):
            x = relu_conv_bn(x, lambda v: m.separable(v, filters, 3))
        x = m.pool('MaxPooling2D', x, 3, 2, 'same')
        residual = m.conv(previous, filters, 1, strides=2)
        x = m.add('Add', {}, [x, residual])
        previous = x
    for filters in [32, 16, 8, 4]:
        for _ in range(2):
            x = relu_conv_bn(x, lambda v: m.deconv(v, filters, 3))
        x = m.up(x, 2, 'nearest')
        residual = m.up(previous, 2, 'nearest')
        residual = m.conv(residual, filters, 1)
        x = m.add('Add', {}, [x, residual])
        previous = x
    out = m.conv(x, 3, 3, activation='softmax')
    return m, out, lambda a: a.astype(np.float32) / 255, '0..1 input'


def sm_unet_resnet():
    m = Model('model_1', [64, 64, 3])
    m.layers[0]['name'] = m.layers[0]['config']['name'] = 'data'
    m.ch['data'] = 3
    nobias = dict(use_bias=False, padding='valid')
    x = m.bn('data', 'bn_data', eps=2e-5, scale=False)
    x = m.zero_pad(x, 3)
    x = m.conv(x, 4, 7, strides=2, name="conv0", **nobias)
    x = m.bn(x, 'bn0', eps=2e-5)
    x = m.act(x, 'relu', 'relu0')
    x = m.zero_pad(x, 1)
    x = m.pool('MaxPooling2D', x, 3, 2, 'valid', 'pooling0')
    for stage in range(4):
        filters = 4 * 2 ** stage
        for block in range(2):
            p = f'stage{stage + 1}_unit{block + 1}_'
            strides = 2 if block == 0 and stage > 0 else 1
            inp = x
            y = m.bn(x, p + 'bn1', eps=2e-5)
            y = m.act(y, 'relu', p + 'relu1')
            shortcut = m.conv(y, filters, 1, strides=strides, name=p + 'sc', **nobias) if block == 0 else inp
            y = m.zero_pad(y, 1)
            y = m.conv(y, filters, 3, strides=strides, name=p + 'conv1', **nobias)
            y = m.bn(y, p + 'bn2', eps=2e-5)
            y = m.act(y, 'relu', p + 'relu2')
            y = m.zero_pad(y, 1)
            y = m.conv(y, filters, 3, name=p + 'conv2', **nobias)
            x = m.add('Add', {}, [y, shortcut])
    x = m.bn(x, 'bn1', eps=2e-5)
    x = m.act(x, 'relu', 'relu1')
    skips = ['stage4_unit1_relu1', 'stage3_unit1_relu1', 'stage2_unit1_relu1', 'relu0']
    for stage, filters in enumerate([16, 8, 8, 4, 4]):
        x = m.up(x, 2, 'nearest', f'decoder_stage{stage}_upsampling')
        if stage < len(skips):
            x = m.concat([x, skips[stage]], f'decoder_stage{stage}_concat')
        for part in 'ab':
            n = f'decoder_stage{stage}{part}'
            x = m.conv(x, filters, 3, use_bias=False, name=n + '_conv')
            x = m.bn(x, n + '_bn')
            x = m.act(x, 'relu', n + '_relu')
    x = m.conv(x, 1, 3, name='final_conv')
    out = m.act(x, 'sigmoid', 'sigmoid')
    return m, out, lambda a: a.astype(np.float32), 'pixel values 0..255 as they are'


def sm_psp_efficientnet():
    m = Model('model_2', [96, 96, 3])
    x = m.conv('input_1', 16, 3, strides=2, use_bias=False, name='stem_conv')
    x = m.bn(x, 'stem_bn')
    x = m.act(x, 'swish', 'stem_activation')
    # InceptionV3's pooling branch: a 3x3 'same' average (the padding out of the count), a 1x1 conv.
    branch = m.pool('AveragePooling2D', x, 3, 1, 'same', 'inception_pool')
    branch = m.conv(branch, 8, 1, use_bias=False, name='inception_pool_conv')
    x = m.concat([x, branch], 'inception_concat')

    def mb_block(x, prefix, cin, cout, expand, k, strides, keras26_se=False, gate='sigmoid'):
        inputs = x
        filters = cin * expand
        if expand != 1:
            x = m.conv(x, filters, 1, use_bias=False, name=prefix + 'expand_conv')
            x = m.bn(x, prefix + 'expand_bn')
            x = m.act(x, 'swish', prefix + 'expand_activation')
        x = m.depthwise(x, k, strides, prefix + 'dwconv')
        x = m.bn(x, prefix + 'bn')
        x = m.act(x, 'swish', prefix + 'activation')
        reduced = max(1, cin // 4)
        if keras26_se:
            se = m.add('GlobalAveragePooling2D', {'data_format': 'channels_last', 'keepdims': True}, x, prefix + 'se_squeeze')
            se = m.dense(se, reduced, 'relu', prefix + 'se_reduce')
            se = m.dense(se, filters, 'sigmoid', prefix + 'se_expand')
        else:
            se = m.add('GlobalAveragePooling2D', {'data_format': 'channels_last', 'keepdims': False}, x, prefix + 'se_squeeze')
            se = m.add('Reshape', {'target_shape': [1, 1, filters]}, se, prefix + 'se_reshape')
            se = m.conv(se, reduced, 1, activation='swish', name=prefix + 'se_reduce')
            se = m.conv(se, filters, 1, activation=gate, name=prefix + 'se_expand')
        x = m.add('Multiply', {}, [x, se], prefix + 'se_excite')
        x = m.conv(x, cout, 1, use_bias=False, name=prefix + 'project_conv')
        x = m.bn(x, prefix + 'project_bn')
        if strides == 1 and cin == cout:
            x = m.add(*dropout('FixedDropout', 0.2, [None, 1, 1, 1]), x, prefix + 'drop')
            x = m.add('Add', {}, [x, inputs], prefix + 'add')
        return x
    x = mb_block(x, 'block1a_', 24, 16, 1, 3, 1, gate='hard_sigmoid')  # Keras 2's hard sigmoid (0.2 x + 0.5)
    x = mb_block(x, 'block2a_', 16, 24, 6, 3, 2)
    x = mb_block(x, 'block2b_', 24, 24, 6, 3, 1)
    x = mb_block(x, 'block3a_', 24, 40, 6, 5, 2, keras26_se=True)
    x = mb_block(x, 'block3b_', 40, 40, 6, 5, 1)
    feature = m.act(m.bn(m.conv(x, 64, 1, use_bias=False, name='block4a_expand_conv'), 'block4a_expand_bn'), 'swish', 'block4a_expand_activation')
    size = 12  # 96 / 8
    levels = []
    for level in [1, 2, 3, 6]:
        p = size // level
        y = m.pool('AveragePooling2D', feature, [p, p], [p, p], 'same', f'psp_level{level}_pooling')
        y = m.conv(y, 16, 1, use_bias=False, name=f'psp_level{level}_conv')
        y = m.bn(y, f'psp_level{level}_bn')
        y = m.act(y, 'relu', f'psp_level{level}_relu')
        levels.append(m.up(y, [p, p], 'bilinear', f'psp_level{level}_upsampling'))
    x = m.concat([feature, *levels], 'psp_concat')
    x = m.act(m.bn(m.conv(x, 16, 1, use_bias=False, name='aggregation_conv'), 'aggregation_bn'), 'relu', 'aggregation_relu')
    x = m.add(*dropout('SpatialDropout2D', 0.5), x, 'spatial_dropout')
    x = m.conv(x, 5, 3, name='final_conv')
    x = m.up(x, 8, 'bilinear', 'final_upsampling')
    out = m.act(x, 'softmax', 'softmax')
    mean, std = np.array([0.485, 0.456, 0.406], np.float32), np.array([0.229, 0.224, 0.225], np.float32)
    return m, out, lambda a: ((a.astype(np.float32) / 255) - mean) / std, 'Keras "torch" preprocessing'


def keras_apps_efficientnet():
    # keras.applications' EfficientNet (Keras 2.12): its preprocessing inside the model (Rescaling,
    # an adapted Normalization, a per-channel Rescaling), ZeroPadding2D by correct_pad before the
    # strided 'valid' convolutions, Dropout of noise shape (None, 1, 1, 1) on the residual.
    m = Model('model_3', [64, 64, 3])
    x = m.add('Rescaling', {'scale': 1 / 255, 'offset': 0.0}, 'input_1', 'rescaling')
    mean = (np.array([0.485, 0.456, 0.406]) + 0.02 * rng.standard_normal(3)).astype(np.float32)
    var = (np.array([0.229, 0.224, 0.225]) ** 2 * (1 + 0.1 * rng.random(3))).astype(np.float32)
    x = m.add('Normalization', {'axis': [3], 'invert': False, 'mean': None, 'variance': None}, x, 'normalization', None,
              [('mean', mean), ('variance', var), ('count', np.array(1281167, dtype=np.int64))])
    x = m.add('Rescaling', {'scale': [1 / math.sqrt(s) for s in [0.229, 0.224, 0.225]], 'offset': 0.0}, x, 'rescaling_1')
    x = m.zero_pad(x, [[0, 1], [0, 1]], 'stem_conv_pad')
    x = m.conv(x, 16, 3, strides=2, padding='valid', use_bias=False, name='stem_conv')
    x = m.act(m.bn(x, 'stem_bn'), 'swish', 'stem_activation')

    def block(x, prefix, cin, cout, expand, strides):
        inputs, filters = x, cin * expand
        if expand != 1:
            x = m.act(m.bn(m.conv(x, filters, 1, use_bias=False, name=prefix + 'expand_conv'), prefix + 'expand_bn'), 'swish', prefix + 'expand_activation')
        if strides == 2:
            x = m.zero_pad(x, [[0, 1], [0, 1]], prefix + 'dwconv_pad')
        x = m.depthwise(x, 3, strides, prefix + 'dwconv', 'valid' if strides == 2 else 'same')
        x = m.act(m.bn(x, prefix + 'bn'), 'swish', prefix + 'activation')
        se = m.add('GlobalAveragePooling2D', {'data_format': 'channels_last', 'keepdims': False}, x, prefix + 'se_squeeze')
        se = m.add('Reshape', {'target_shape': [1, 1, filters]}, se, prefix + 'se_reshape')
        se = m.conv(se, max(1, cin // 4), 1, activation='swish', name=prefix + 'se_reduce')
        se = m.conv(se, filters, 1, activation='sigmoid', name=prefix + 'se_expand')
        x = m.add('Multiply', {}, [x, se], prefix + 'se_excite')
        x = m.bn(m.conv(x, cout, 1, use_bias=False, name=prefix + 'project_conv'), prefix + 'project_bn')
        if strides == 1 and cin == cout:
            x = m.add(*dropout('Dropout', 0.2, [None, 1, 1, 1]), x, prefix + 'drop')
            x = m.add('Add', {}, [x, inputs], prefix + 'add')
        return x
    x = block(x, 'block1a_', 16, 8, 1, 1)
    x = block(x, 'block2a_', 8, 16, 6, 2)
    x = block(x, 'block2b_', 16, 16, 6, 1)
    x = m.act(m.bn(m.conv(x, 32, 1, use_bias=False, name='top_conv'), 'top_bn'), 'swish', 'top_activation')
    x = m.conv(x, 4, 1, name='logits')
    x = m.up(x, 4, 'bilinear', 'upsample')
    out = m.act(x, 'softmax', 'softmax')
    return m, out, lambda a: a.astype(np.float32), 'pixel values 0..255 as they are (the preprocessing is in the model)'


def keras_apps_mobilenetv3_lraspp():
    # keras.applications' MobileNetV3 (Keras 2.12) as the encoder of an LR-ASPP head: its
    # Rescaling to [-1, 1] inside the model; hard swish written as Keras writes it
    # (x * ReLU(6)(x + 3) * (1 / 6): TFOpLambda arithmetic with numbers, a Multiply); squeeze-and-
    # excitation with GlobalAveragePooling2D(keepdims=True); names with '/' (nested HDF5 groups);
    # the head's branches resized by tf.image.resize (bilinear, TFOpLambda), added by '+' (a
    # TFOpLambda of two tensors), and a Resizing layer by nearest to a size no multiple of the input.
    m = Model('model_4', [64, 64, 3])
    x = m.add('Rescaling', {'scale': 1 / 127.5, 'offset': -1.0}, 'input_1', 'rescaling')

    def hard_sigmoid(x):
        return m.tf_op('math.multiply', m.relu(m.tf_op('__operators__.add', x, y=3.0), 6.0), y=1 / 6)

    def hard_swish(x):
        return m.add('Multiply', {}, [x, hard_sigmoid(x)])
    x = m.conv(x, 16, 3, strides=2, use_bias=False, name='Conv')
    x = hard_swish(m.bn(x, 'Conv/BatchNorm'))

    def block(x, prefix, expand, filters, stride, act):
        if expand:
            x = act(m.bn(m.conv(x, expand, 1, use_bias=False, name=prefix + 'expand'), prefix + 'expand/BatchNorm'))
        if stride == 2:
            x = m.zero_pad(x, [[0, 1], [0, 1]], prefix + 'depthwise/pad')
        x = m.depthwise(x, 3, stride, prefix + 'depthwise', 'valid' if stride == 2 else 'same')
        x = act(m.bn(x, prefix + 'depthwise/BatchNorm'))
        c = m.ch[x]
        se = m.add('GlobalAveragePooling2D', {'data_format': 'channels_last', 'keepdims': True}, x, prefix + 'squeeze_excite/AvgPool')
        se = m.relu(m.conv(se, max(4, c // 4), 1, name=prefix + 'squeeze_excite/Conv'))
        se = hard_sigmoid(m.conv(se, c, 1, name=prefix + 'squeeze_excite/Conv_1'))
        x = m.add('Multiply', {}, [x, se], prefix + 'squeeze_excite/Mul')
        return m.bn(m.conv(x, filters, 1, use_bias=False, name=prefix + 'project'), prefix + 'project/BatchNorm')
    low = block(x, 'expanded_conv/', None, 16, 2, m.relu)
    high = block(low, 'expanded_conv_1/', 48, 32, 2, hard_swish)
    b1 = m.relu(m.bn(m.conv(high, 16, 1, use_bias=False, name='lraspp_conv'), 'lraspp_bn'))
    b2 = m.add('GlobalAveragePooling2D', {'data_format': 'channels_last', 'keepdims': True}, high, 'lraspp_pool')
    b2 = m.conv(b2, 16, 1, activation='sigmoid', name='lraspp_gate')
    x = m.add('Multiply', {}, [b1, b2], 'lraspp_mul')
    x = m.tf_op('image.resize', x, size=[16, 16])
    x = m.conv(x, 4, 1, name='seg_head')
    x = m.tf_op('__operators__.add', x, y=m.conv(low, 4, 1, name='low_head'))
    x = m.add('Resizing', {'height': 24, 'width': 24, 'interpolation': 'nearest', 'crop_to_aspect_ratio': False}, x, 'resizing')
    out = m.tf_op('image.resize', x, size=[64, 64], method='bilinear')
    return m, out, lambda a: a.astype(np.float32), 'pixel values 0..255 as they are (the Rescaling is in the model)'


def regnet_grouped():
    # keras.applications' RegNet's X block: 1x1, a grouped 3x3 Conv2D (groups of 8 channels, stride 2,
    # 'same'), 1x1, a strided 1x1 shortcut; a grouped convolution at stride 1 with dilation 2; a 1x1
    # head upsampled x4 bilinearly; 64x64, ImageNet mean and std.
    m = Model('model_6', [64, 64, 3])
    x = m.act(m.bn(m.conv('input_1', 32, 3, strides=2, use_bias=False, name='stem_conv'), 'stem_bn'), 'relu', 'stem_relu')
    shortcut = m.bn(m.conv(x, 64, 1, strides=2, use_bias=False, name='block_skip_conv'), 'block_skip_bn')
    y = m.act(m.bn(m.conv(x, 64, 1, use_bias=False, name='block_conv_1x1_1'), 'block_bn_1'), 'relu', 'block_relu_1')
    y = m.act(m.bn(m.conv(y, 64, 3, strides=2, use_bias=False, groups=8, name='block_conv_3x3'), 'block_bn_2'), 'relu', 'block_relu_2')
    y = m.bn(m.conv(y, 64, 1, use_bias=False, name='block_conv_1x1_2'), 'block_bn_3')
    x = m.act(m.add('Add', {}, [y, shortcut], 'block_add'), 'relu', 'block_relu_3')
    x = m.conv(x, 64, 3, groups=4, dilation=2, activation='relu', name='dilated_grouped')
    x = m.conv(x, 5, 1, name='logits')
    out = m.up(x, 4, 'bilinear', 'upsample')
    mean, std = np.array([0.485, 0.456, 0.406], np.float32), np.array([0.229, 0.224, 0.225], np.float32)
    return m, out, lambda a: ((a.astype(np.float32) / 255) - mean) / std, 'Keras\'s "torch" preprocessing'


def keras3_hard_activations():
    # Keras 3's MobileNetV3 activations as Activation layers (hard_silu, hard_sigmoid: relu6(x + 3)
    # / 6, not Keras 2's hard sigmoid): written as a Keras 3 archive only.
    m = Model('model_5', [64, 64, 3])
    x = m.add('Rescaling', {'scale': 1 / 127.5, 'offset': -1.0}, 'input_1', 'rescaling')
    x = m.act(m.bn(m.conv(x, 16, 3, strides=2, use_bias=False, name='conv')), 'keras3_hard_silu')
    x = m.act(m.bn(m.depthwise(x, 3, 1, 'depthwise')), 'keras3_hard_silu')
    se = m.add('GlobalAveragePooling2D', {'data_format': 'channels_last', 'keepdims': True}, x, 'squeeze')
    se = m.conv(m.conv(se, 8, 1, activation='relu', name='se_reduce'), 16, 1, name='se_expand')
    x = m.add('Multiply', {}, [x, m.act(se, 'keras3_hard_sigmoid')], 'excite')
    x = m.conv(x, 4, 1, name='logits')
    out = m.up(x, 2, 'bilinear', 'upsample')
    return m, out, lambda a: a.astype(np.float32), 'pixel values 0..255 as they are (the Rescaling is in the model)'


def near_mask(z):
    if z.shape[0] == 1:
        return (z[0].abs() < NEAR).numpy()
    top = torch.topk(z, 2, dim=0).values
    return ((top[0] - top[1]) < NEAR).numpy()


# Also written as Keras 3 archives (the same weights: the same reference label maps).
KERAS3 = {'oxford_pets', 'sm_unet_resnet', 'keras_apps_efficientnet', 'keras_apps_mobilenetv3_lraspp', 'regnet_grouped'}
KERAS3_ONLY = {'keras3_hard_activations'}


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = []
    for build in [oxford_pets, sm_unet_resnet, sm_psp_efficientnet, keras_apps_efficientnet, keras_apps_mobilenetv3_lraspp, keras3_hard_activations, regnet_grouped]:
        m, out, prep, what = build()
        name = build.__name__
        m.save(os.path.join(OUT, f'{name}.h5'), out)
        if name in KERAS3 or name in KERAS3_ONLY:
            keras3_from_h5.convert(os.path.join(OUT, f'{name}.h5'), os.path.join(OUT, f'{name}.keras'))
        if name in KERAS3_ONLY:
            os.remove(os.path.join(OUT, f'{name}.h5'))  # its activations are Keras 3's
        H, W = m.shape[:2]
        # The scores before the final softmax or sigmoid: the same argmax, and the near-ties of the logits.
        last = next(l for l in m.layers if l['name'] == out)
        pre = last['inbound_nodes'][0][0][0] if last['class_name'] == 'Activation' else out if last['config'].get('activation', 'linear') == 'linear' else None
        for p in PHOTOS:
            img = Image.open(p).convert('RGB')
            x = torch.from_numpy(prep(np.asarray(img.resize((W, H), Image.BILINEAR)))).permute(2, 0, 1)[None].contiguous()
            vals = run(m, x)
            if pre is not None:
                z = vals[pre][0]
            else:  # a softmax activation inside the last convolution: its logits
                lc = dict(last['config'], activation='linear')
                z = run_logits(m, vals, last, lc)[0]
            small = (z[0] > 0).to(torch.uint8).numpy() if z.shape[0] == 1 else z.argmax(0).to(torch.uint8).numpy()
            labels = np.asarray(Image.fromarray(small).resize(img.size, Image.NEAREST))
            near = np.asarray(Image.fromarray(near_mask(z).astype(np.uint8)).resize(img.size, Image.NEAREST)).astype(bool)
            cases.append({'model': name, **packed(labels, near, os.path.basename(p), f'Pillow in and back, {what}')})
            print(name, os.path.basename(p), 'classes', np.unique(labels).tolist(), 'near-ties', int(near.sum()))
    with open(os.path.join(OUT, 'reference.json'), 'w') as f:
        json.dump({'torch': torch.__version__, 'h5py': h5py.__version__, 'near': NEAR, 'cases': cases}, f)


def run_logits(m, vals, last, cfg):
    """The last Conv2D again without its activation."""
    w = dict(m.weights[last['name']])
    v = vals[last['inbound_nodes'][0][0][0]]
    k, s = cfg['kernel_size'], cfg['strides']
    v = pad2d(v, k, s) if cfg['padding'] == 'same' else v
    return F.conv2d(v, t(w['kernel'].transpose(3, 2, 0, 1)), t(w['bias']), stride=s)


if __name__ == '__main__':
    main()
